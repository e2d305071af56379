"""ember.linalg: norms, inverses, determinants and solves, as torch.linalg."""

__all__: list = []

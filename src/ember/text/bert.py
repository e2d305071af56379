"""A BERT-family encoder (Devlin et al., 2018) whose module names follow the Hugging Face checkpoints
(`embeddings.word_embeddings.weight`, `encoder.layer.0.attention.self.query.weight`, ...), so their
`model.safetensors` files load directly: `BertModel.from_pretrained(folder)`."""

from __future__ import annotations

import json
import math
import os
from dataclasses import dataclass, fields
from typing import Any, NamedTuple

import numpy as np

from .. import nn
from .._tensor import Tensor
from ..autograd.grad_mode import is_grad_enabled
from ..nn import functional as F
from ..serialization import load, load_safetensors

__all__ = ["BertConfig", "BertModel", "BertModelOutput", "load_weights_file"]


@dataclass
class BertConfig:
    """The hyperparameters in a checkpoint's `config.json` (defaults: BERT-base)."""

    vocab_size: int = 30522
    hidden_size: int = 768
    num_hidden_layers: int = 12
    num_attention_heads: int = 12
    intermediate_size: int = 3072
    hidden_act: str = "gelu"
    hidden_dropout_prob: float = 0.1
    attention_probs_dropout_prob: float = 0.1
    max_position_embeddings: int = 512
    type_vocab_size: int = 2
    layer_norm_eps: float = 1e-12
    pad_token_id: int = 0
    position_embedding_type: str = "absolute"

    @classmethod
    def from_dict(cls, d: dict) -> BertConfig:
        """The config from a `config.json` dict; keys this encoder does not use are ignored."""
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in d.items() if k in known})

    @classmethod
    def from_json_file(cls, path: str | os.PathLike) -> BertConfig:
        with open(path, encoding="utf-8") as f:
            return cls.from_dict(json.load(f))


class BertModelOutput(NamedTuple):
    """`last_hidden_state` (batch, seq, hidden) and `pooler_output` (batch, hidden; None without pooler)."""

    last_hidden_state: Tensor
    pooler_output: Tensor | None


_ACTIVATIONS = {"gelu": F.gelu, "relu": F.relu, "gelu_new": lambda x: F.gelu(x, approximate="tanh"),
                "gelu_pytorch_tanh": lambda x: F.gelu(x, approximate="tanh"), "silu": F.silu, "swish": F.silu}


class BertEmbeddings(nn.Module):
    """Sum of word, absolute position and token type embeddings, then LayerNorm and dropout."""

    def __init__(self, config: BertConfig) -> None:
        super().__init__()
        self.word_embeddings = nn.Embedding(config.vocab_size, config.hidden_size, padding_idx=config.pad_token_id)
        self.position_embeddings = nn.Embedding(config.max_position_embeddings, config.hidden_size)
        self.token_type_embeddings = nn.Embedding(config.type_vocab_size, config.hidden_size)
        self.LayerNorm = nn.LayerNorm(config.hidden_size, eps=config.layer_norm_eps)
        self.dropout = nn.Dropout(config.hidden_dropout_prob)

    def forward(self, input_ids: Tensor, token_type_ids: Tensor, position_ids: Tensor) -> Tensor:
        x = self.word_embeddings(input_ids) + self.token_type_embeddings(token_type_ids)
        x = x + self.position_embeddings(position_ids)
        return self.dropout(self.LayerNorm(x))


class BertSelfAttention(nn.Module):
    """Multi-head scaled dot-product self-attention; `mask_bias` is added to the scores (0 or very negative)."""

    def __init__(self, config: BertConfig) -> None:
        super().__init__()
        if config.hidden_size % config.num_attention_heads:
            raise ValueError(f"The hidden size ({config.hidden_size}) is not a multiple of the number of attention "
                             f"heads ({config.num_attention_heads})")
        self.num_attention_heads = config.num_attention_heads
        self.attention_head_size = config.hidden_size // config.num_attention_heads
        self.query = nn.Linear(config.hidden_size, config.hidden_size)
        self.key = nn.Linear(config.hidden_size, config.hidden_size)
        self.value = nn.Linear(config.hidden_size, config.hidden_size)
        self.dropout = nn.Dropout(config.attention_probs_dropout_prob)

    def forward(self, hidden: Tensor, mask_bias: Tensor | None) -> Tensor:
        import ember

        b, s, h = hidden.shape
        # queries, keys and values from one GEMM over the stacked weights: the input is read once
        weight = ember.cat([self.query.weight, self.key.weight, self.value.weight])
        bias = ember.cat([self.query.bias, self.key.bias, self.value.bias])
        qkv = F.linear(hidden, weight, bias).view(b, s, 3, self.num_attention_heads, self.attention_head_size)
        qkv = qkv.permute(2, 0, 3, 1, 4)  # (3, batch, heads, seq, head_size)
        # the 1/sqrt(d) scale folded into the queries: one small multiply instead of one on every score
        q = qkv[0] * (1.0 / math.sqrt(self.attention_head_size))
        k, v = qkv[1], qkv[2]
        scores = q @ k.transpose(-1, -2)
        if mask_bias is not None:
            scores = scores + mask_bias
        probs = self.dropout(F.softmax(scores, dim=-1))
        return (probs @ v).transpose(1, 2).reshape(b, s, h)


class BertSelfOutput(nn.Module):
    def __init__(self, config: BertConfig) -> None:
        super().__init__()
        self.dense = nn.Linear(config.hidden_size, config.hidden_size)
        self.LayerNorm = nn.LayerNorm(config.hidden_size, eps=config.layer_norm_eps)
        self.dropout = nn.Dropout(config.hidden_dropout_prob)

    def forward(self, hidden: Tensor, residual: Tensor) -> Tensor:
        return self.LayerNorm(self.dropout(self.dense(hidden)) + residual)


class BertAttention(nn.Module):
    def __init__(self, config: BertConfig) -> None:
        super().__init__()
        self.self = BertSelfAttention(config)
        self.output = BertSelfOutput(config)

    def forward(self, hidden: Tensor, mask_bias: Tensor | None) -> Tensor:
        return self.output(self.self(hidden, mask_bias), hidden)


# erf(t) ~ t P(t^2) / Q(t^2) on |t| <= 4, relative error < 2.1e-9 (a weighted least-squares fit to math.erf
# made for ember); beyond, erf is within 1.6e-8 of +-1
_ERF_P = (1.1283791693801024, 0.18520293412717556, 0.054316871821189154, 0.003849599531213262,
          0.00037960854883443843, 4.6847769045281484e-06, -1.3202213156038312e-08)
_ERF_Q = (1.0, 0.4974652407609392, 0.11395829604010244, 0.015462064655944479, 0.001307566978827141,
          6.311056683939824e-05)
_CHUNK = 1 << 15  # elements per pass: the float64 temporaries stay in cache


def _gelu_array(x: np.ndarray) -> np.ndarray:
    """Exact (erf) GELU of a float32 array: within float32 rounding of x * Phi(x) (to 5e-8 below -5.66).

    An inference fast path: one rational function evaluated in float64 on cache-sized chunks is about
    25x faster than `F.gelu` today, whose erf evaluates every branch on the whole array in float64.
    """
    src = np.ascontiguousarray(x).reshape(-1)
    out = np.empty(src.shape, x.dtype)
    for start in range(0, src.size, _CHUNK):
        v = src[start:start + _CHUNK].astype(np.float64)
        t = v * 0.7071067811865476
        np.clip(t, -4.0, 4.0, out=t)
        z = t * t
        p = z * _ERF_P[6]
        p += _ERF_P[5]
        for c in _ERF_P[4::-1]:
            p *= z
            p += c
        q = z * _ERF_Q[5]
        q += _ERF_Q[4]
        for c in _ERF_Q[3::-1]:
            q *= z
            q += c
        p /= q
        p *= t
        p += 1.0
        # below -4 sqrt(2), x Phi(x) is smaller than 5e-8: the clamp keeps it so instead of growing with |x|
        np.maximum(v, -5.656854249492381, out=v)
        p *= v
        p *= 0.5
        out[start:start + _CHUNK] = p
    return out.reshape(x.shape)


class BertIntermediate(nn.Module):
    def __init__(self, config: BertConfig) -> None:
        super().__init__()
        if config.hidden_act not in _ACTIVATIONS:
            raise ValueError(f"unsupported hidden_act {config.hidden_act!r}; one of {', '.join(_ACTIVATIONS)}")
        self.dense = nn.Linear(config.hidden_size, config.intermediate_size)
        self.intermediate_act_fn = _ACTIVATIONS[config.hidden_act]
        self._exact_gelu = config.hidden_act == "gelu"

    def forward(self, hidden: Tensor) -> Tensor:
        h = self.dense(hidden)
        if (self._exact_gelu and type(h._data) is np.ndarray
                and h._data.dtype == np.float32 and not (h.requires_grad and is_grad_enabled())):
            return Tensor._make(_gelu_array(h._data))
        return self.intermediate_act_fn(h)


class BertOutput(nn.Module):
    def __init__(self, config: BertConfig) -> None:
        super().__init__()
        self.dense = nn.Linear(config.intermediate_size, config.hidden_size)
        self.LayerNorm = nn.LayerNorm(config.hidden_size, eps=config.layer_norm_eps)
        self.dropout = nn.Dropout(config.hidden_dropout_prob)

    def forward(self, hidden: Tensor, residual: Tensor) -> Tensor:
        return self.LayerNorm(self.dropout(self.dense(hidden)) + residual)


class BertLayer(nn.Module):
    """Self-attention and a GELU feed-forward block, each with a residual connection and post-LayerNorm."""

    def __init__(self, config: BertConfig) -> None:
        super().__init__()
        self.attention = BertAttention(config)
        self.intermediate = BertIntermediate(config)
        self.output = BertOutput(config)

    def forward(self, hidden: Tensor, mask_bias: Tensor | None) -> Tensor:
        attended = self.attention(hidden, mask_bias)
        return self.output(self.intermediate(attended), attended)


class BertEncoder(nn.Module):
    def __init__(self, config: BertConfig) -> None:
        super().__init__()
        self.layer = nn.ModuleList([BertLayer(config) for _ in range(config.num_hidden_layers)])

    def forward(self, hidden: Tensor, mask_bias: Tensor | None) -> Tensor:
        for layer in self.layer:
            hidden = layer(hidden, mask_bias)
        return hidden


class BertPooler(nn.Module):
    """tanh(dense(hidden state of the first token)), BERT's sentence-level output."""

    def __init__(self, config: BertConfig) -> None:
        super().__init__()
        self.dense = nn.Linear(config.hidden_size, config.hidden_size)
        self.activation = nn.Tanh()

    def forward(self, hidden: Tensor) -> Tensor:
        return self.activation(self.dense(hidden[:, 0]))


class BertModel(nn.Module):
    """The BERT encoder: `forward(input_ids, attention_mask=None, token_type_ids=None)` returns a
    `BertModelOutput` whose `last_hidden_state` has shape (batch, seq, hidden_size)."""

    def __init__(self, config: BertConfig | dict, add_pooling_layer: bool = True) -> None:
        super().__init__()
        if isinstance(config, dict):
            config = BertConfig.from_dict(config)
        if config.position_embedding_type != "absolute":
            raise ValueError(f"only absolute position embeddings are supported, not {config.position_embedding_type!r}")
        self.config = config
        self.embeddings = BertEmbeddings(config)
        self.encoder = BertEncoder(config)
        self.pooler = BertPooler(config) if add_pooling_layer else None
        self.apply(self._init_weights)

    def _init_weights(self, module: nn.Module) -> None:
        # BERT's initialisation: N(0, 0.02) weights, zero biases, unit LayerNorm, zero padding embedding
        if isinstance(module, (nn.Linear, nn.Embedding)):
            nn.init.normal_(module.weight, 0.0, 0.02)
            if isinstance(module, nn.Linear) and module.bias is not None:
                nn.init.zeros_(module.bias)
            if isinstance(module, nn.Embedding) and module.padding_idx is not None:
                nn.init.zeros_(module.weight[module.padding_idx])
        elif isinstance(module, nn.LayerNorm):
            nn.init.ones_(module.weight)
            nn.init.zeros_(module.bias)

    def forward(self, input_ids: Tensor, attention_mask: Tensor | None = None, token_type_ids: Tensor | None = None,
                position_ids: Tensor | None = None) -> BertModelOutput:
        import ember

        if input_ids.dim() != 2:
            raise ValueError(f"input_ids must have shape (batch, sequence), got {tuple(input_ids.shape)}")
        batch, seq = input_ids.shape
        if seq > self.config.max_position_embeddings:
            raise ValueError(f"sequence length {seq} exceeds max_position_embeddings "
                             f"({self.config.max_position_embeddings}); truncate the input")
        device = input_ids.device
        if token_type_ids is None:
            token_type_ids = ember.zeros((batch, seq), dtype=ember.int64, device=device)
        if position_ids is None:
            position_ids = ember.arange(seq, device=device).unsqueeze(0)
        hidden = self.embeddings(input_ids, token_type_ids, position_ids)
        mask_bias = None
        # a mask of all ones (no padding) changes nothing: skip adding it to every score
        if attention_mask is not None and not bool(attention_mask.all()):
            # padded keys get the most negative finite score: softmax gives them exactly zero weight
            keep = attention_mask.to(hidden.dtype)[:, None, None, :]
            mask_bias = (1.0 - keep) * ember.finfo(hidden.dtype).min
        hidden = self.encoder(hidden, mask_bias)
        pooled = self.pooler(hidden) if self.pooler is not None else None
        return BertModelOutput(hidden, pooled)

    @classmethod
    def from_pretrained(cls, path: str | os.PathLike, add_pooling_layer: bool = True) -> BertModel:
        """The model in folder `path` (`config.json` and `model.safetensors` or `pytorch_model.bin`), in
        eval mode."""
        config = BertConfig.from_json_file(os.path.join(path, "config.json"))
        model = cls(config, add_pooling_layer=add_pooling_layer)
        state = load_weights_file(path)
        # a checkpoint's position_ids is a constant arange, not a weight; checkpoints of models with a task
        # head (BertForMaskedLM, ...) prefix the encoder's names with "bert." and hold the head's weights too
        state = {k.removeprefix("bert."): v for k, v in state.items()
                 if not k.endswith("position_ids") and not k.startswith(("cls.", "classifier."))}
        if not add_pooling_layer:
            state = {k: v for k, v in state.items() if not k.startswith("pooler.")}
        model.load_state_dict(state)
        return model.eval()


def load_weights_file(path: str | os.PathLike) -> dict[str, Any]:
    """`{name: tensor}` from `model.safetensors` in folder `path` (or `pytorch_model.bin` when there is no
    safetensors file), or from `path` itself when it is a file."""
    path = os.fspath(path)
    if os.path.isdir(path):
        for name in ("model.safetensors", "pytorch_model.bin"):
            if os.path.isfile(os.path.join(path, name)):
                path = os.path.join(path, name)
                break
        else:
            raise FileNotFoundError(f"no model.safetensors or pytorch_model.bin in {path}")
    if path.endswith(".safetensors"):
        return load_safetensors(path)
    return load(path, map_location="cpu", weights_only=True)

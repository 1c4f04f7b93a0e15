"""Self-attention's explicit ``causal`` flag against a reference computation written out by hand,
and the ARC canvas encoder's bidirectional attention."""

from __future__ import annotations

import math
from types import SimpleNamespace

import pytest
import torch

from z2h.arc.models.base import CanvasEncoder
from z2h.gpt.model import Block, CausalSelfAttention, apply_rope, make_config

# (RMSNorm normalises in float32, as under autocast; torch warns about the float64 weight)
pytestmark = pytest.mark.filterwarnings("ignore:Mismatch dtype between input and weight")

VARIANTS = {
    "gpt2": {},
    "modern": dict(norm="rmsnorm", mlp="swiglu", pos="rope", qk_norm=True, bias=False),
}


def reference(attn: CausalSelfAttention, x: torch.Tensor, allowed: torch.Tensor) -> torch.Tensor:
    """softmax(q k^T / sqrt(hs), -inf where not ``allowed`` (B or 1, 1, T, T)) v, head by head,
    in plain tensor ops (no scaled_dot_product_attention)."""
    B, T, C = x.shape
    nh, hs = attn.n_head, attn.head_size
    q, k, v = attn.qkv(x).split(C, dim=-1)
    q, k, v = (t.view(B, T, nh, hs).transpose(1, 2) for t in (q, k, v))  # (B, nh, T, hs)
    if attn.q_norm is not None:
        q, k = attn.q_norm(q), attn.k_norm(k)
    if attn.rope is not None:
        q, k = apply_rope(q, attn.rope), apply_rope(k, attn.rope)
    scores = q @ k.transpose(-2, -1) / math.sqrt(hs)  # (B, nh, T, T)
    scores = scores.masked_fill(~allowed, float("-inf"))
    y = torch.softmax(scores, dim=-1) @ v  # (B, nh, T, hs)
    return attn.proj(y.transpose(1, 2).reshape(B, T, C))


@pytest.fixture(params=VARIANTS)
def attn(request):
    torch.manual_seed(0)
    config = make_config("tiny", vocab_size=11, **VARIANTS[request.param])
    return CausalSelfAttention(config).double().eval()


T = 10


def test_causal_and_bidirectional_match_the_reference(attn):
    x = torch.randn(2, T, attn.n_head * attn.head_size, dtype=torch.float64)
    lower = torch.ones(T, T, dtype=torch.bool).tril()[None, None]
    everywhere = torch.ones(1, 1, T, T, dtype=torch.bool)
    with torch.no_grad():
        torch.testing.assert_close(attn(x), reference(attn, x, lower))
        torch.testing.assert_close(attn(x, causal=False), reference(attn, x, everywhere))
        assert not torch.allclose(attn(x), attn(x, causal=False))


def test_a_mask_restricts_within_the_flag(attn):
    # two segments of a packed row: a mask keeps each to itself; causal keeps it to the past
    x = torch.randn(2, T, attn.n_head * attn.head_size, dtype=torch.float64)
    seg = torch.arange(T) >= 4
    same = (seg[:, None] == seg[None, :])[None, None]  # (1, 1, T, T)
    lower = torch.ones(T, T, dtype=torch.bool).tril()[None, None]
    with torch.no_grad():
        torch.testing.assert_close(attn(x, attn_mask=same), reference(attn, x, same & lower))
        torch.testing.assert_close(attn(x, attn_mask=same, causal=False), reference(attn, x, same))


def test_block_passes_the_flag_on():
    torch.manual_seed(0)
    block = Block(make_config("tiny", vocab_size=11)).eval()
    x = torch.randn(1, T, block.attn.n_head * block.attn.head_size)
    changed = x.clone()
    changed[:, -1] = torch.randn_like(changed[:, -1])  # alter the last token only (a constant
    # shift would not do: the block's LayerNorm removes it)
    with torch.no_grad():
        # causal: earlier tokens never see it; bidirectional: every token does
        torch.testing.assert_close(block(x)[:, :-1], block(changed)[:, :-1])
        assert not torch.allclose(block(x, causal=False)[:, 0], block(changed, causal=False)[:, 0])


def test_canvas_encoder_is_bidirectional_without_a_mask():
    # the encoder's first cell sees the last one (it used to build an all-True mask for this,
    # which kept the fused kernels off); and the output equals that explicit-mask formulation
    cfg = SimpleNamespace(n_layer=2, n_head=2, n_embd=16, dropout=0.0, bias=True, norm="layernorm",
                          mlp="gelu", qk_norm=False)  # fmt: skip
    torch.manual_seed(0)
    enc = CanvasEncoder(cfg, vocab=12, size=3, n_grids=2).eval()
    x = torch.randint(0, 10, (1, 2, 18))
    changed = x.clone()
    changed[0, 0, -1] = (changed[0, 0, -1] + 1) % 10
    with torch.no_grad():
        out = enc(x)
        assert not torch.allclose(out[:, 0], enc(changed)[:, 0])
        h = enc.drop(
            enc.cell_emb(x[:, 0]) + enc.row_emb(enc.rows) + enc.col_emb(enc.cols)
            + enc.grid_emb(enc.grids)
        )  # fmt: skip
        everywhere = torch.ones(1, 1, 18, 18, dtype=torch.bool)
        for block in enc.blocks:
            h = block(h, None, everywhere, causal=False)
        torch.testing.assert_close(out, enc.norm_f(h))

"""A decoder-only Transformer (GPT), as built in lecture 7 and nanoGPT.

Token and position embeddings feed ``n_layer`` pre-norm blocks (causal self-attention, then an
MLP, each added to a residual stream), a final norm and a language-model head that shares its
weight with the token embedding. All heads of a layer are computed in one batched matmul
(lecture 7's EX1) through ``F.scaled_dot_product_attention``.

The model honours the z2h language-model contract ``forward(idx, targets=None) -> (logits, loss)``;
targets of ``-1`` are ignored by the loss (padding in makemore, the question part in EX2's
addition task). Variants from the literature (EX4) are config flags: RMSNorm, SwiGLU, rotary
position embeddings (RoPE) and QK-norm.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, fields
from typing import Any

import torch
import torch.nn as nn
import torch.nn.functional as F

from z2h.errors import Z2HError

IGNORE_INDEX = -1  # targets with this value do not count in the loss


@dataclass
class GPTConfig:
    vocab_size: int = 65  # number of token ids (65 characters in tiny shakespeare)
    block_size: int = 256  # longest context the model sees (learned position table length)
    n_layer: int = 6  # number of Transformer blocks
    n_head: int = 6  # attention heads per block; n_embd must be divisible by it
    n_embd: int = 384  # width of the residual stream
    dropout: float = 0.0  # dropout on attention weights, residual branches and embeddings
    bias: bool = True  # biases in Linear layers and LayerNorms (GPT-2: True)
    norm: str = "layernorm"  # "layernorm" (GPT-2) or "rmsnorm" (Zhang & Sennrich 2019, LLaMA)
    mlp: str = "gelu"  # "gelu" (GPT-2, 4x wide) or "swiglu" (Shazeer 2020, 8/3x wide)
    pos: str = "learned"  # "learned" absolute positions (GPT-2) or "rope" (Su et al. 2021)
    qk_norm: bool = False  # normalize queries and keys per head before attention (Dehghani 2023)
    tie_weights: bool = True  # share the token embedding with the LM head (Press & Wolf 2017)

    def __post_init__(self) -> None:
        for name in ("vocab_size", "block_size", "n_layer", "n_head", "n_embd"):
            if int(getattr(self, name)) < 1:
                raise Z2HError(f"{name} must be at least 1, got {getattr(self, name)}")
        if self.n_embd % self.n_head:
            raise Z2HError(f"n_embd ({self.n_embd}) must be divisible by n_head ({self.n_head})")
        if not 0.0 <= self.dropout < 1.0:
            raise Z2HError(f"dropout must be in [0, 1), got {self.dropout}")
        if self.norm not in ("layernorm", "rmsnorm"):
            raise Z2HError(f"unknown norm {self.norm!r}: choose layernorm or rmsnorm")
        if self.mlp not in ("gelu", "swiglu"):
            raise Z2HError(f"unknown mlp {self.mlp!r}: choose gelu or swiglu")
        if self.pos not in ("learned", "rope"):
            raise Z2HError(f"unknown pos {self.pos!r}: choose learned or rope")
        if self.pos == "rope" and (self.n_embd // self.n_head) % 2:
            raise Z2HError("rope needs an even head size (n_embd / n_head)")

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> GPTConfig:
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(d) - known)
        if unknown:
            raise Z2HError(f"GPTConfig has no setting(s) {', '.join(unknown)}")
        return cls(**d)


# Named sizes. vocab_size comes from the tokenizer, so presets leave it out.
PRESETS: dict[str, dict[str, Any]] = {
    # toy size for tests and smoke runs
    "tiny": dict(block_size=16, n_layer=2, n_head=2, n_embd=32),
    # nanoGPT README's CPU recipe (shakespeare_char on a MacBook)
    "nano-cpu": dict(block_size=64, n_layer=4, n_head=4, n_embd=128),
    # lecture 7's final model (val 1.48 on a GPU in ~15 min)
    "lecture": dict(block_size=256, n_layer=6, n_head=6, n_embd=384, dropout=0.2),
    # GPT-2 small (124M with its 50257-token vocabulary)
    "gpt2": dict(block_size=1024, n_layer=12, n_head=12, n_embd=768),
}


def make_config(preset: str | None = None, **overrides: Any) -> GPTConfig:
    """A ``GPTConfig`` from a preset name plus explicit overrides (``None`` values are skipped)."""
    values: dict[str, Any] = {}
    if preset is not None:
        if preset not in PRESETS:
            raise Z2HError(f"unknown preset {preset!r}; choose one of: {', '.join(PRESETS)}")
        values.update(PRESETS[preset])
    values.update({k: v for k, v in overrides.items() if v is not None})
    return GPTConfig.from_dict(values)


class RMSNorm(nn.Module):
    """x / rms(x) * gain: LayerNorm without centring or bias."""

    def __init__(self, dim: int, eps: float = 1e-6):
        super().__init__()
        self.eps = eps
        self.weight = nn.Parameter(torch.ones(dim))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        # in float32 like autocast's LayerNorm: under bf16 autocast x arrives in bf16
        return F.rms_norm(x.float(), (x.size(-1),), self.weight, self.eps).type_as(x)


def make_norm(config: GPTConfig, dim: int | None = None) -> nn.Module:
    dim = dim or config.n_embd
    if config.norm == "rmsnorm":
        return RMSNorm(dim)
    return nn.LayerNorm(dim, bias=config.bias)


def rope_tables(head_size: int, length: int, base: float = 10000.0) -> torch.Tensor:
    """cos/sin of the rotation angles, shape (2, length, head_size / 2)."""
    inv_freq = 1.0 / base ** (torch.arange(0, head_size, 2, dtype=torch.float32) / head_size)
    angles = torch.outer(torch.arange(length, dtype=torch.float32), inv_freq)
    return torch.stack([angles.cos(), angles.sin()])


def apply_rope(
    x: torch.Tensor, table: torch.Tensor, positions: torch.Tensor | None = None
) -> torch.Tensor:
    """Rotate pairs (first half, second half) of x (B, nh, T, hs) by position-dependent angles.

    Token t sits at position t unless ``positions`` (B, T) says otherwise.
    """
    if positions is None:
        T = x.size(-2)
        cos, sin = table[0, :T].to(x.dtype), table[1, :T].to(x.dtype)
    else:  # (B, T, hs/2) -> (B, 1, T, hs/2): the same angle for every head
        cos = table[0][positions].unsqueeze(1).to(x.dtype)
        sin = table[1][positions].unsqueeze(1).to(x.dtype)
    x1, x2 = x.chunk(2, dim=-1)
    return torch.cat([x1 * cos - x2 * sin, x1 * sin + x2 * cos], dim=-1)


class CausalSelfAttention(nn.Module):
    """Multi-head self-attention with every head in one batched matmul: causal (a token sees
    itself and earlier tokens) unless told otherwise."""

    def __init__(self, config: GPTConfig):
        super().__init__()
        self.n_head = config.n_head
        self.head_size = config.n_embd // config.n_head
        self.dropout = config.dropout
        # queries, keys and values of all heads from one (C -> 3C) projection
        self.qkv = nn.Linear(config.n_embd, 3 * config.n_embd, bias=config.bias)
        self.proj = nn.Linear(config.n_embd, config.n_embd, bias=config.bias)
        self.proj.residual_out = True  # marks residual outputs for the scaled init
        self.resid_drop = nn.Dropout(config.dropout)
        self.q_norm = make_norm(config, self.head_size) if config.qk_norm else None
        self.k_norm = make_norm(config, self.head_size) if config.qk_norm else None
        # rotation tables are derived from the config, so they are not saved in checkpoints
        table = rope_tables(self.head_size, config.block_size) if config.pos == "rope" else None
        self.register_buffer("rope", table, persistent=False)

    def forward(
        self,
        x: torch.Tensor,
        positions: torch.Tensor | None = None,
        attn_mask: torch.Tensor | None = None,
        causal: bool = True,
    ) -> torch.Tensor:
        B, T, C = x.shape
        # (B, T, 3C) -> 3 x (B, nh, T, hs): heads become a batch dimension
        q, k, v = self.qkv(x).view(B, T, 3, self.n_head, self.head_size).permute(2, 0, 3, 1, 4)
        if self.q_norm is not None:
            q, k = self.q_norm(q), self.k_norm(k)
        if self.rope is not None:
            q, k = apply_rope(q, self.rope, positions), apply_rope(k, self.rope, positions)
        drop = self.dropout if self.training else 0.0
        # softmax(q k^T / sqrt(hs) + mask) v, fused: (B, nh, T, hs). ``causal`` and
        # ``attn_mask`` (True: may attend) both restrict; with no mask, is_causal (or nothing,
        # bidirectional) lets the fused flash / memory-efficient kernels run
        if attn_mask is not None and causal:
            attn_mask = attn_mask & torch.ones(T, T, dtype=torch.bool, device=x.device).tril()
        y = F.scaled_dot_product_attention(
            q, k, v, attn_mask=attn_mask, dropout_p=drop, is_causal=causal and attn_mask is None
        )
        y = y.transpose(1, 2).reshape(B, T, C)  # re-assemble heads side by side
        return self.resid_drop(self.proj(y))


class MLP(nn.Module):
    """Position-wise feed-forward: GELU (4C hidden) or SwiGLU (gated, ~8C/3 hidden)."""

    def __init__(self, config: GPTConfig):
        super().__init__()
        C = config.n_embd
        self.swiglu = config.mlp == "swiglu"
        # SwiGLU keeps the parameter count of the 4C GELU MLP with a 2/3-width hidden layer
        hidden = 4 * C if not self.swiglu else max(16, 16 * round(8 * C / 3 / 16))
        self.fc = nn.Linear(C, (2 if self.swiglu else 1) * hidden, bias=config.bias)
        self.proj = nn.Linear(hidden, C, bias=config.bias)
        self.proj.residual_out = True
        self.drop = nn.Dropout(config.dropout)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = self.fc(x)
        if self.swiglu:
            gate, up = h.chunk(2, dim=-1)
            h = F.silu(gate) * up
        else:
            h = F.gelu(h, approximate="tanh")
        return self.drop(self.proj(h))


class Block(nn.Module):
    """Pre-norm residual block: x + attn(norm(x)), then x + mlp(norm(x))."""

    def __init__(self, config: GPTConfig):
        super().__init__()
        self.norm1 = make_norm(config)
        self.attn = CausalSelfAttention(config)
        self.norm2 = make_norm(config)
        self.mlp = MLP(config)

    def forward(
        self,
        x: torch.Tensor,
        positions: torch.Tensor | None = None,
        attn_mask: torch.Tensor | None = None,
        causal: bool = True,
    ) -> torch.Tensor:
        x = x + self.attn(self.norm1(x), positions, attn_mask, causal)
        return x + self.mlp(self.norm2(x))


class GPT(nn.Module):
    def __init__(self, config: GPTConfig):
        super().__init__()
        self.config = config
        self.block_size = config.block_size
        self.tok_emb = nn.Embedding(config.vocab_size, config.n_embd)
        self.pos_emb = (
            nn.Embedding(config.block_size, config.n_embd) if config.pos == "learned" else None
        )
        self.drop = nn.Dropout(config.dropout)
        self.blocks = nn.ModuleList(Block(config) for _ in range(config.n_layer))
        self.norm_f = make_norm(config)
        self.lm_head = nn.Linear(config.n_embd, config.vocab_size, bias=False)
        if config.tie_weights:
            self.lm_head.weight = self.tok_emb.weight
        self.apply(self._init_weights)

    def _init_weights(self, module: nn.Module) -> None:
        # GPT-2: N(0, 0.02); residual outputs scaled by 1/sqrt(2 n_layer) so the residual
        # stream's variance does not grow with depth
        if isinstance(module, nn.Linear):
            std = 0.02
            if getattr(module, "residual_out", False):
                std /= math.sqrt(2 * self.config.n_layer)
            nn.init.normal_(module.weight, mean=0.0, std=std)
            if module.bias is not None:
                nn.init.zeros_(module.bias)
        elif isinstance(module, nn.Embedding):
            nn.init.normal_(module.weight, mean=0.0, std=0.02)

    def num_params(self, non_embedding: bool = True) -> int:
        """Parameter count; position embeddings excluded by default (as nanoGPT reports)."""
        n = sum(p.numel() for p in self.parameters())
        if non_embedding and self.pos_emb is not None:
            n -= self.pos_emb.weight.numel()
        return n

    def forward(
        self,
        idx: torch.Tensor,
        targets: torch.Tensor | None = None,
        positions: torch.Tensor | None = None,
        attn_mask: torch.Tensor | None = None,
    ) -> tuple[torch.Tensor, torch.Tensor | None]:
        """Logits (B, T, vocab) and, given targets, the mean cross-entropy.

        By default token t sits at position t and attends to tokens 0..t. Several sequences
        packed into one row pass ``positions`` (B, T), each token's place in its own sequence,
        and ``attn_mask`` (B, 1, T, T), True where a token may attend to another (within the
        causal triangle: a language model never sees ahead).
        """
        B, T = idx.shape
        if idx.size(1) > self.block_size and positions is None:
            raise Z2HError(f"sequence of length {T} exceeds block_size {self.block_size}")
        x = self.tok_emb(idx)  # (B, T) -> (B, T, C)
        if self.pos_emb is not None:
            x = x + self.pos_emb(
                torch.arange(T, device=idx.device) if positions is None else positions
            )
        x = self.drop(x)
        for block in self.blocks:
            x = block(x, positions, attn_mask)
        logits = self.lm_head(self.norm_f(x))  # (B, T, C) -> (B, T, vocab)
        loss = None
        if targets is not None:
            loss = F.cross_entropy(
                logits.float().view(B * T, -1), targets.reshape(B * T), ignore_index=IGNORE_INDEX
            )
        return logits, loss

    def flops_per_token(self, T: int | None = None) -> float:
        """Training FLOPs per token (forward + backward = 3x forward): 6N + attention scores.

        Follows the PaLM appendix accounting: 6 per parameter in the matmuls plus
        12 * n_layer * n_embd * T for the attention scores and their weighted sum.
        """
        T = T or self.block_size
        cfg = self.config
        n_matmul = self.num_params() - self.tok_emb.weight.numel()  # lookup is not a matmul
        n_matmul += cfg.vocab_size * cfg.n_embd  # but the (tied) LM head is
        return 6.0 * n_matmul + 12.0 * cfg.n_layer * cfg.n_embd * T

    @torch.no_grad()
    def generate(
        self,
        idx: torch.Tensor,
        max_new_tokens: int,
        temperature: float = 1.0,
        top_k: int | None = None,
        generator: torch.Generator | None = None,
    ) -> torch.Tensor:
        """Extend ``idx`` (B, T) by ``max_new_tokens`` sampled tokens, cropping to block_size."""
        if not temperature >= 0:
            raise Z2HError(f"temperature must be >= 0, got {temperature}")
        if top_k is not None and top_k < 1:
            raise Z2HError(f"top_k must be at least 1, got {top_k}")
        was_training = self.training
        self.eval()
        for _ in range(max_new_tokens):
            context = idx[:, -self.block_size :]
            logits, _ = self(context)
            logits = logits[:, -1, :].float()  # (B, vocab): only the last position predicts
            if temperature == 0:
                nxt = logits.argmax(dim=-1, keepdim=True)
            else:
                logits = logits / temperature
                if top_k is not None:
                    kth = torch.topk(logits, min(top_k, logits.size(-1))).values[:, [-1]]
                    logits = logits.masked_fill(logits < kth, -math.inf)
                probs = F.softmax(logits, dim=-1)
                nxt = torch.multinomial(probs, 1, generator=generator)
            idx = torch.cat([idx, nxt], dim=1)
        self.train(was_training)
        return idx

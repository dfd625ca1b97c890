"""Residual vector quantizer (EnCodec-style) holding the SoVITS semantic codebook.

The pretrained v2 model has one 1024 x 768 codebook whose state is entirely buffers
(`inited`, `cluster_size`, `embed`, `embed_avg`): codes are nearest codewords by squared
Euclidean distance, and the codebook only changes by EMA updates in training mode. k-means
initialisation runs only for a codebook trained from scratch (`inited == 0`); a loaded
checkpoint has `inited == 1` and is never re-initialised. Single process; no torch.distributed.
"""

from __future__ import annotations

import logging

import torch
from torch import nn
from torch.nn import functional as F

logger = logging.getLogger(__name__)

_ENCODE_CHUNK = 16384  # frames per distance matmul: bounds the [N, bins] score matrix


class EuclideanCodebook(nn.Module):
    """One codebook: nearest-code search, lookup, k-means init and EMA updates."""

    def __init__(self, dim: int, codebook_size: int, decay: float = 0.99, epsilon: float = 1e-5,
                 kmeans_iters: int = 50, threshold_ema_dead_code: float = 2.0):
        super().__init__()
        self.decay = decay
        self.epsilon = epsilon
        self.kmeans_iters = kmeans_iters
        self.threshold_ema_dead_code = threshold_ema_dead_code
        self.register_buffer("inited", torch.zeros(1))
        self.register_buffer("cluster_size", torch.zeros(codebook_size))
        self.register_buffer("embed", torch.zeros(codebook_size, dim))
        self.register_buffer("embed_avg", torch.zeros(codebook_size, dim))

    @property
    def codebook_size(self) -> int:
        return self.embed.size(0)

    def encode(self, x: torch.Tensor) -> torch.Tensor:
        """Nearest code of each row: x [N, D] -> ids [N] (LongTensor).

        ||x - e||^2 = ||x||^2 - 2 x.e + ||e||^2; the ||x||^2 term is the same for every code of a
        row, so the argmin only needs ||e||^2 - 2 x.e: one matmul instead of N x bins x D diffs.
        """
        embed = self.embed.to(x.dtype)
        embed_sq = embed.pow(2).sum(dim=1)  # [bins]
        ids = [
            torch.addmm(embed_sq, chunk, embed.t(), beta=1.0, alpha=-2.0).argmin(dim=1)
            for chunk in x.split(_ENCODE_CHUNK)
        ]
        return torch.cat(ids) if ids else x.new_zeros(0, dtype=torch.long)

    def decode(self, ids: torch.Tensor) -> torch.Tensor:
        """Codewords of ids [...] -> [..., D]."""
        return F.embedding(ids, self.embed)

    @staticmethod
    def _seed_means(data: torch.Tensor, bins: int) -> torch.Tensor:
        """k-means++ seeding: each new seed drawn with probability ~ squared distance to the
        nearest seed so far, so well-separated clusters each get a codeword."""
        seeds = [data[torch.randint(0, data.size(0), (1,), device=data.device)][0]]
        nearest = ((data - seeds[0]) ** 2).sum(dim=1)
        for _ in range(bins - 1):
            weights = nearest if float(nearest.sum()) > 0 else torch.ones_like(nearest)
            seeds.append(data[torch.multinomial(weights, 1)][0])
            nearest = torch.minimum(nearest, ((data - seeds[-1]) ** 2).sum(dim=1))
        return torch.stack(seeds)

    @torch.no_grad()
    def init_kmeans(self, data: torch.Tensor) -> None:
        """Initialise the codebook from data [N, D] by k-means (only when `inited` is 0)."""
        data = data.float()
        bins = self.codebook_size
        means = self._seed_means(data, bins)
        counts = torch.zeros(bins, device=data.device)
        for _ in range(self.kmeans_iters):
            ids = torch.cdist(data, means).argmin(dim=1)
            counts = torch.bincount(ids, minlength=bins).float()
            sums = torch.zeros_like(means).index_add_(0, ids, data)
            used = counts > 0
            means[used] = sums[used] / counts[used].unsqueeze(1)
        self.embed.copy_(means)
        # EMA state consistent with embed = embed_avg / cluster_size (sums, not means).
        self.cluster_size.copy_(counts)
        self.embed_avg.copy_(means * counts.unsqueeze(1))
        self.inited.fill_(1)
        logger.info("codebook initialised by k-means on %d vectors", data.size(0))

    @torch.no_grad()
    def _expire_dead_codes(self, data: torch.Tensor) -> None:
        """Replace codes whose EMA usage fell below the threshold with random batch vectors."""
        dead = self.cluster_size < self.threshold_ema_dead_code
        if not bool(dead.any()):
            return
        picks = torch.randint(0, data.size(0), (int(dead.sum()),), device=data.device)
        self.embed[dead] = data[picks].to(self.embed.dtype)

    @torch.no_grad()
    def _ema_update(self, data: torch.Tensor, ids: torch.Tensor) -> None:
        """Move each codeword towards the mean of the vectors assigned to it (decay `decay`)."""
        onehot = F.one_hot(ids, self.codebook_size).to(self.embed.dtype)  # [N, bins]
        self.cluster_size.mul_(self.decay).add_(onehot.sum(0), alpha=1 - self.decay)
        self.embed_avg.mul_(self.decay).add_(onehot.t() @ data.to(self.embed.dtype), alpha=1 - self.decay)
        total = self.cluster_size.sum()
        smoothed = (self.cluster_size + self.epsilon) / (total + self.codebook_size * self.epsilon) * total
        self.embed.copy_(self.embed_avg / smoothed.unsqueeze(1))

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """x [..., D] -> (codewords [..., D], ids [...]); in training mode also learns."""
        shape = x.shape
        flat = x.reshape(-1, shape[-1])
        if self.training and not bool(self.inited.item()):
            self.init_kmeans(flat)
        # Codes and codewords come from the codebook as it was before this step's update, as
        # in EnCodec/upstream; the update only affects the next call.
        ids = self.encode(flat)
        quantized = self.decode(ids).view(shape).to(x.dtype)
        if self.training:
            if self.threshold_ema_dead_code > 0:
                # Upstream's position: the EMA re-normalisation right after rewrites every
                # codeword, so (there as here) a replacement does not outlive this step.
                self._expire_dead_codes(flat)
            self._ema_update(flat.detach(), ids)
        return quantized, ids.view(shape[:-1])


class VectorQuantization(nn.Module):
    """One quantizer layer on channel-first input, with straight-through gradient in training."""

    def __init__(self, dim: int, codebook_size: int, commitment_weight: float = 1.0, **codebook_kwargs):
        super().__init__()
        self.commitment_weight = commitment_weight
        self._codebook = EuclideanCodebook(dim, codebook_size, **codebook_kwargs)

    def encode(self, x: torch.Tensor) -> torch.Tensor:
        """x [B, D, T] -> ids [B, T]."""
        b, d, t = x.shape
        return self._codebook.encode(x.transpose(1, 2).reshape(-1, d)).view(b, t)

    def decode(self, ids: torch.Tensor) -> torch.Tensor:
        """ids [B, T] -> [B, D, T]."""
        return self._codebook.decode(ids).transpose(1, 2)

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """x [B, D, T] -> (quantized [B, D, T], ids [B, T], commitment loss scalar)."""
        frames = x.transpose(1, 2)  # [B, T, D]
        quantized, ids = self._codebook(frames)
        loss = x.new_zeros(())
        if self.training:
            loss = F.mse_loss(quantized.detach(), frames) * self.commitment_weight
            quantized = frames + (quantized - frames).detach()  # straight-through estimator
        return quantized.transpose(1, 2), ids, loss


class ResidualVectorQuantization(nn.Module):
    """A stack of quantizers, each coding the residual the previous ones left."""

    def __init__(self, num_quantizers: int, **kwargs):
        super().__init__()
        self.layers = nn.ModuleList([VectorQuantization(**kwargs) for _ in range(num_quantizers)])

    def forward(self, x: torch.Tensor, n_q: int | None = None, layers: list[int] | None = None):
        residual = x
        quantized_out = torch.zeros_like(x)
        codes, losses, kept = [], [], []
        for i, layer in enumerate(self.layers[: n_q or len(self.layers)]):
            quantized, ids, loss = layer(residual)
            residual = residual - quantized.detach()
            quantized_out = quantized_out + quantized
            codes.append(ids)
            losses.append(loss)
            if layers is not None and i in layers:
                kept.append(quantized)
        return quantized_out, torch.stack(codes), torch.stack(losses), kept

    def encode(self, x: torch.Tensor, n_q: int | None = None) -> torch.Tensor:
        """x [B, D, T] -> codes [n_q, B, T]."""
        b, d, t = x.shape
        return self.encode_rows(x.transpose(1, 2).reshape(-1, d), n_q).view(-1, b, t)

    def encode_rows(self, rows: torch.Tensor, n_q: int | None = None) -> torch.Tensor:
        """rows [N, D] -> codes [n_q, N]; the last layer's residual is never computed."""
        layers = self.layers[: n_q or len(self.layers)]
        residual, codes = rows, []
        for i, layer in enumerate(layers):
            ids = layer._codebook.encode(residual)
            if i < len(layers) - 1:
                residual = residual - layer._codebook.decode(ids)
            codes.append(ids)
        return torch.stack(codes)

    def decode(self, codes: torch.Tensor) -> torch.Tensor:
        out = None
        for ids, layer in zip(codes, self.layers):
            part = layer.decode(ids)
            out = part if out is None else out + part
        return out


class ResidualVectorQuantizer(nn.Module):
    """The SoVITS `quantizer`: RVQ over [B, dimension, T] with `bins` codes per layer."""

    def __init__(self, dimension: int = 768, n_q: int = 1, bins: int = 1024, decay: float = 0.99,
                 kmeans_iters: int = 50, threshold_ema_dead_code: float = 2.0):
        super().__init__()
        self.n_q = n_q
        self.vq = ResidualVectorQuantization(
            num_quantizers=n_q, dim=dimension, codebook_size=bins, decay=decay,
            kmeans_iters=kmeans_iters, threshold_ema_dead_code=threshold_ema_dead_code,
        )

    def forward(self, x: torch.Tensor, n_q: int | None = None, layers: list[int] | None = None):
        """x [B, D, T] -> (quantized [B, D, T], codes [n_q, B, T], commit loss (mean over layers),
        quantized outputs of the requested `layers`)."""
        quantized, codes, losses, kept = self.vq(x, n_q=n_q or self.n_q, layers=layers)
        return quantized, codes, losses.mean(), kept

    def encode(self, x: torch.Tensor, n_q: int | None = None) -> torch.Tensor:
        """x [B, D, T] -> codes [n_q, B, T] (no learning, no straight-through)."""
        return self.vq.encode(x, n_q=n_q or self.n_q)

    def encode_rows(self, rows: torch.Tensor, n_q: int | None = None) -> torch.Tensor:
        """Frame vectors [N, D] -> codes [n_q, N]: the fast path of semantic extraction."""
        return self.vq.encode_rows(rows, n_q=n_q or self.n_q)

    def decode(self, codes: torch.Tensor) -> torch.Tensor:
        """codes [n_q, B, T] -> [B, D, T]."""
        return self.vq.decode(codes)

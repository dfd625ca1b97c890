"""Exact nearest semantic code of HuBERT frame groups: stage 3's extraction kernel.

`extract_latent` projects each group of 50 Hz frames x [768 * s] with `ssl_proj` (y = W x + b)
and takes the nearest codeword e_k. Expanding ||y - e_k||^2 and dropping what is equal for every
code gives code(x) = argmin_k c_k - 2 x.M_k, with M = E W [1024, 1536] and c_k = ||e_k||^2 - 2 b.e_k:
one product per frame group instead of two, and `ssl_proj` never runs.

The scores are first computed in a fast precision (float32 on CPU, bfloat16 on CUDA). A row
whose winner leads by more than the rounding margin keeps it; the rest are settled in float32
and, where still close, in float64 over the few codes in the running. The result is the float64
argmin: independent of batching and of the precision used first, where a plain float32 argmin
flips on near-ties (up to a few frames in ten thousand in our tests).
Not for training (no gradients, no codebook updates) and only for one quantizer layer (v1/v2).
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass, field
from typing import Sequence

import torch

# Relative rounding of one value in each precision (round to nearest: half a unit in the last place).
UNIT_ROUNDOFF = {torch.bfloat16: 2.0**-8, torch.float32: 2.0**-24}
ACCUMULATOR_ROUNDOFF = 2.0**-24  # bf16 matrix units (AMX, tensor cores) accumulate in float32
# Margin in units of a product's rounding-error scale (u + sqrt(n) u_acc) * norm (see `_shortlist`).
# Measured errors stayed below 1.5 of it on random and clustered data (docs/benchmarks.md), so 4
# leaves a factor of 2.7. A wider margin sends more rows to the exact check; a narrower one
# risks trusting a winner that rounding put first.
SAFETY = 4.0
CHUNK_ROWS = 1024  # rows per score matrix: [1024, 1024] float32 = 4 MB stays in cache
GATHER_LIMIT = 8  # rows with more close candidates are re-scored by a float32 product instead
EXACT_ROWS = 128  # rows per float64 re-scoring slice
OFFSET_COLUMNS = 16  # columns after each frame group: three ones add the offsets in the product


@dataclass(frozen=True)
class PreparedFrames:
    """A batch of utterances laid out for the search by `SemanticCodeSearch.prepare`."""

    rows: torch.Tensor  # [N, n + OFFSET_COLUMNS]: each frame group x (frame-major), then (1, 1, 1, 0, ...)
    norms: torch.Tensor  # [N] float32: sqrt(sum_i x_i^2 max_k M_ki^2), the rounding-error scale
    sources: list[torch.Tensor]  # the float32 features [C, T_i]: exact rows are read back from them
    lengths: list[int]  # codes per utterance (T_i // s)


@dataclass
class SearchCounts:
    """Where each row's code was decided (for logs and the benchmark)."""

    rows: int = 0
    by_precision: dict[str, int] = field(default_factory=dict)

    def add(self, dtype: torch.dtype, rows: int) -> None:
        name = str(dtype).removeprefix("torch.")
        self.by_precision[name] = self.by_precision.get(name, 0) + rows


def pick_fast_dtype(device: torch.device) -> torch.dtype:
    """bfloat16 shortlists on CUDA GPUs that support it; float32 elsewhere.

    On CPUs with bf16 matrix units the bf16 product alone is ~5x faster, but its margin is wide:
    about a third of the rows then need the exact check, and on clustered features the whole
    search was up to 1.9x slower than float32 alone (docs/benchmarks.md). Pass
    `fast_dtype=torch.bfloat16` to choose it anyway; the codes are the same.
    """
    if device.type == "cuda" and torch.cuda.is_bf16_supported():
        return torch.bfloat16
    return torch.float32


class SemanticCodeSearch:
    """Nearest-code search folded through `ssl_proj`: every code equals the float64 argmin."""

    def __init__(self, proj_weight: torch.Tensor, proj_bias: torch.Tensor, embed: torch.Tensor,
                 fast_dtype: torch.dtype | None = None):
        self.stride = proj_weight.size(2) if proj_weight.dim() == 3 else 1  # 50 Hz frames per code
        weight = proj_weight.detach().double().reshape(proj_weight.size(0), -1)  # [768, 768 * s]
        codebook = embed.detach().double().to(weight.device)  # [bins, 768]
        folded = codebook @ weight  # [bins, 768 * s]
        offsets = codebook.pow(2).sum(1) - 2 * codebook @ proj_bias.detach().double().to(weight.device)
        # Removing the mean row (and mean offset) shifts all scores of a row equally, so the argmin
        # is unchanged, while the products and hence their rounding errors get smaller.
        centred = folded - folded.mean(0)  # float64 [bins, n], n = 768 * s, channel-major like the conv
        # Rows are laid out frame-major (frame s*g of every channel, then frame s*g + 1, ...): that
        # is a plain transpose of the [C, T] features, several times faster to build than the
        # conv's channel-major order, so the codewords are reordered to match instead.
        self.directions = centred.view(centred.size(0), -1, self.stride).transpose(1, 2).reshape(centred.shape)
        self.offsets = offsets - offsets.mean()  # float64 [bins]
        self.spread = self.directions.pow(2).amax(0).float()  # [n]: max_k M_ki^2
        self.fast_dtype = fast_dtype or pick_fast_dtype(weight.device)
        self._scorers = {dtype: self._score_matrix(dtype) for dtype in {self.fast_dtype, torch.float32}}
        self.counts = SearchCounts()

    @classmethod
    def for_model(cls, model: torch.nn.Module, fast_dtype: torch.dtype | None = None) -> SemanticCodeSearch:
        """The search for a SoVITS generator; ValueError when its quantizer cannot be folded."""
        conv, layers = model.ssl_proj, model.quantizer.vq.layers
        if len(layers) != 1 or conv.stride[0] != conv.kernel_size[0] or conv.padding[0] != 0:
            raise ValueError("code search needs one quantizer layer and a non-overlapping ssl_proj")
        return cls(conv.weight, conv.bias, layers[0]._codebook.embed, fast_dtype)

    @property
    def width(self) -> int:
        """Values per frame group n = channels x stride."""
        return self.directions.size(1)

    def _score_matrix(self, dtype: torch.dtype) -> torch.Tensor:
        """[n + OFFSET_COLUMNS, bins] in `dtype`: -2 M^T over the offsets c split into three parts.

        Rows end in three ones (see `prepare`), so one product gives the scores c - 2 x.M with c kept
        to float32 accuracy even in bfloat16 (hi + mid + lo parts) and no pass to add them.
        """
        n = self.width
        matrix = torch.zeros(n + OFFSET_COLUMNS, self.offsets.numel(), dtype=dtype, device=self.offsets.device)
        matrix[:n] = (-2 * self.directions.t()).to(dtype)  # scaling by 2 is exact in any precision
        rest = self.offsets
        for row in range(n, n + 3):
            matrix[row] = rest.to(dtype)
            rest = rest - matrix[row].double()
        return matrix

    # --- public entry points ---------------------------------------------------------------

    def codes_of(self, features: Sequence[torch.Tensor]) -> list[torch.Tensor]:
        """Codes [T_i // s] of each feature tensor [768, T_i]; frames are concatenated, not padded."""
        return self.codes_prepared(self.prepare(features))

    def codes(self, frames: torch.Tensor) -> torch.Tensor:
        """Frame groups [N, n] in the conv's channel-major order (`commons.group_frames`) -> ids [N]."""
        channels = self.width // self.stride
        source = frames.reshape(-1, channels, self.stride).permute(1, 0, 2).reshape(channels, -1)
        return self.codes_of([source])[0]

    def _empty_rows(self, count: int, dtype: torch.dtype) -> torch.Tensor:
        """[count, n + OFFSET_COLUMNS] rows whose first n values are left for the frame groups and
        whose tail is (1, 1, 1, 0, ...), matching the offset parts of `_score_matrix`."""
        n = self.width
        rows = torch.empty(count, n + OFFSET_COLUMNS, dtype=dtype, device=self.offsets.device)
        rows[:, n:n + 3] = 1
        rows[:, n + 3:] = 0
        return rows

    @torch.inference_mode()
    def prepare(self, features: Sequence[torch.Tensor]) -> PreparedFrames:
        """Lay out features [C, T_i] as rows for the product, in one pass over each tensor."""
        n, device, stride = self.width, self.offsets.device, self.stride
        lengths = [f.size(1) // stride for f in features]
        rows = self._empty_rows(sum(lengths), self.fast_dtype)
        norms = torch.empty(rows.size(0), device=device)
        start = 0
        for source, length in zip(features, lengths):
            block = rows[start:start + length, :n]
            block.copy_(source[:, : length * stride].t().reshape(length, n))  # [C, T] -> [T // s, s * C]
            norms[start:start + length] = self._norms(block)
            start += length
        return PreparedFrames(rows, norms, [f.float() for f in features], lengths)

    @torch.inference_mode()
    def codes_prepared(self, prepared: PreparedFrames) -> list[torch.Tensor]:
        """Code ids of a prepared batch, one LongTensor [T_i // s] per utterance."""
        total = prepared.rows.size(0)
        self.counts.rows += total
        ids = torch.zeros(total, dtype=torch.long, device=prepared.rows.device)
        if self.offsets.numel() > 1:  # a one-code book has nothing to search
            for start in range(0, total, CHUNK_ROWS):
                ids[start:start + CHUNK_ROWS] = self._settle_chunk(prepared, start)
        return list(ids.split(prepared.lengths))

    # --- the search --------------------------------------------------------------------------

    def _norms(self, rows: torch.Tensor) -> torch.Tensor:
        """sqrt(sum_i x_i^2 max_k M_ki^2) per row [R]; from rounded rows, so raised by (1 + 4u)."""
        squares = rows.float().square() @ self.spread
        return squares.sqrt() * (1 + 4 * UNIT_ROUNDOFF[rows.dtype])

    def _settle_chunk(self, prepared: PreparedFrames, start: int) -> torch.Tensor:
        """Codes of rows start .. start + CHUNK_ROWS: fast scores, then exact checks where close."""
        rows = prepared.rows[start:start + CHUNK_ROWS]
        scores = rows @ self._scorers[self.fast_dtype]  # [R, bins]
        best, unsure, close, count = self._shortlist(scores, prepared.norms[start:start + CHUNK_ROWS], self.fast_dtype,
                                                     GATHER_LIMIT if self.fast_dtype != torch.float32 else None)
        self.counts.add(self.fast_dtype, rows.size(0) - unsure.numel())
        if unsure.numel() == 0:
            return best
        frames = self._source_rows(prepared, unsure + start)  # float32 [U, n]
        if self.fast_dtype != torch.float32:
            crowded = count > GATHER_LIMIT
            if bool(crowded.any()):  # many codes within the margin: one float32 product is cheaper
                best[unsure[crowded]] = self._settle_float32(frames[crowded])
                keep = ~crowded
                unsure, frames, close, count = unsure[keep], frames[keep], close[keep], count[keep]
        best[unsure] = self._exact(frames, close, count)
        return best

    def _settle_float32(self, frames: torch.Tensor) -> torch.Tensor:
        """Codes of float32 rows [R, n] by a float32 product, exact checks where still close."""
        rows = self._empty_rows(frames.size(0), torch.float32)
        rows[:, : self.width] = frames
        scores = rows @ self._scorers[torch.float32]
        best, unsure, close, count = self._shortlist(scores, self._norms(frames), torch.float32)
        self.counts.add(torch.float32, frames.size(0) - unsure.numel())
        if unsure.numel():
            best[unsure] = self._exact(frames[unsure], close, count)
        return best

    def _shortlist(self, scores: torch.Tensor, norms: torch.Tensor, dtype: torch.dtype, limit: int | None = None
                   ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
        """Scores [R, bins] in `dtype` -> (best [R], rows not yet certain [U], the codes still in
        their running, best first [U, K <= limit], and how many codes each row has in it [U]).

        A score s is off by at most 2 SAFETY e (input rounding, e = (u + sqrt(n) u_acc) norm) plus
        u |s| (output rounding), so low(s) bounds the exact score from below and high(s) from above,
        both growing with s. The winner is certain when low(runner-up) > high(winner); otherwise
        the codes with low(s_j) <= high(winner), the row's smallest scores, stay in the running.
        """
        unit = UNIT_ROUNDOFF[dtype]
        slack = 2 * SAFETY * (unit + math.sqrt(self.width) * ACCUMULATOR_ROUNDOFF) * norms  # [R]
        top = scores.topk(2, dim=1, largest=False)
        winner, runner_up = top.values[:, 0].float(), top.values[:, 1].float()
        high = winner + slack + unit * winner.abs()
        certain = (runner_up - slack - unit * runner_up.abs() > high) & torch.isfinite(high)
        best = top.indices[:, 0].clone()
        unsure = (~certain).nonzero().squeeze(1)
        running = scores[unsure].float()
        low = running - slack[unsure, None] - unit * running.abs()
        count = ((low <= high[unsure, None]) | ~torch.isfinite(running)).sum(1)
        width = min(int(count.max()) if unsure.numel() else 0, limit or running.size(1))
        close = running.topk(width, dim=1, largest=False).indices  # rows with count > limit are not served
        return best, unsure, close, count

    def _source_rows(self, prepared: PreparedFrames, indices: torch.Tensor) -> torch.Tensor:
        """The float32 frame groups [U, n] of rows `indices`, read back from the features."""
        starts = torch.tensor([0, *itertools.accumulate(prepared.lengths)], device=indices.device)
        owners = torch.searchsorted(starts, indices, right=True) - 1
        frames = torch.empty(indices.numel(), self.width, device=self.offsets.device)
        for owner in owners.unique().tolist():
            picked = (owners == owner).nonzero().squeeze(1)
            groups = (indices[picked] - starts[owner]).to(prepared.sources[owner].device)
            source = prepared.sources[owner]
            columns = (groups.unsqueeze(1) * self.stride + torch.arange(self.stride, device=groups.device)).flatten()
            frames[picked] = source[:, columns].t().reshape(groups.numel(), -1).to(frames.device)  # frame-major
        return frames

    def _exact(self, frames: torch.Tensor, close: torch.Tensor, count: torch.Tensor) -> torch.Tensor:
        """float64 argmin over each row's `count` first codes of `close`: frames [U, n] -> ids [U].

        Rows go in slices of EXACT_ROWS so the gathered float64 codewords stay a few MB.
        """
        if frames.size(0) == 0:
            return count.new_zeros(0)
        self.counts.add(torch.float64, frames.size(0))
        ids = []
        for rows, order, row_count in zip(frames.split(EXACT_ROWS), close.split(EXACT_ROWS), count.split(EXACT_ROWS)):
            order = order[:, : int(row_count.max())]  # [R, K]
            bins = self.offsets.numel()
            padding = torch.arange(order.size(1), device=order.device) >= row_count.unsqueeze(1)
            # In code order, so that among equal scores the lowest id wins, as torch.argmin decides.
            order = order.masked_fill(padding, bins).sort(dim=1).values
            padding = order == bins
            order = order.masked_fill(padding, 0)
            values = torch.bmm(self.directions[order], rows.double().unsqueeze(2)).squeeze(2)  # [R, K]
            exact = self.offsets[order] - 2 * values
            choice = exact.masked_fill(padding, math.inf).argmin(dim=1, keepdim=True)
            ids.append(order.gather(1, choice).squeeze(1))
        return torch.cat(ids)

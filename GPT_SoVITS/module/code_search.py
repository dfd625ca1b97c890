"""Exact nearest semantic code of HuBERT frame groups: stage 3's extraction kernel.

`extract_latent` projects each group of 50 Hz frames x [768 * s] with `ssl_proj` (y = W x + b)
and takes the nearest codeword e_k. Expanding ||y - e_k||^2 and dropping what is equal for every
code gives code(x) = argmin_k c_k - 2 x.M_k, with M = E W [1024, 1536] and c_k = ||e_k||^2 - 2 b.e_k:
one product per frame group instead of two, and `ssl_proj` never runs.

Rows are laid out chunk by chunk in one reused buffer, straight from the [C, T] features. The
scores are first computed in a fast precision: bfloat16 where the hardware multiplies it
(`bfloat16_is_native`), else float32. A row whose winner leads by more than the rounding margin
keeps it; after a bfloat16 pass the others are re-scored in float32 on the few codes still in
the running (all codes when more than GATHER_LIMIT are), and rows still close after float32 are
settled in float64 over their close codes. The result is the float64 argmin, ties to the lowest
id as `torch.argmin`: independent of batching and of the precision used first, where a plain
float32 argmin flips on near-ties (up to a few frames in ten thousand in our tests).

Rounding margin (the one argument every pass relies on). A score s = c - 2 x.M computed in
precision p (unit roundoff u: 2^-8 bfloat16, 2^-24 float32) with a float32 accumulator (u_acc =
2^-24; bf16 matrix units accumulate in float32) is off from the exact score by
  - input rounding, of scale e = (u + sqrt(n) u_acc) * sqrt(sum_i x_i^2 max_k M_ki^2): x and M
    rounded to p, and n rounded partial sums whose errors grow like sqrt(n) when independent. This
    is a statistical scale, not a proof: the largest error measured was 1.9 e (random, clustered
    and benchmark features, bf16 and float32), and the slack allowed is 2 SAFETY e = 8 e;
  - output rounding, at most u |s| (strict).
So low(s) = s - 8e - u|s| <= exact <= s + 8e + u|s| = high(s). A winner is trusted when
low(runner-up) > high(winner); otherwise the codes with low(s_j) <= high(winner), which hold the
exact winner, go on to the next precision. A wider margin sends more rows on; a narrower one
risks trusting a winner that rounding put first.

Not for training (no gradients, no codebook updates) and only for one quantizer layer (v1/v2).
One search object serves one caller at a time (its row buffers are reused).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Iterator, Sequence

import torch

# Unit roundoff u of each precision (round to nearest: half a unit in the last place).
UNIT_ROUNDOFF = {torch.bfloat16: 2.0**-8, torch.float32: 2.0**-24}
ACCUMULATOR_ROUNDOFF = 2.0**-24  # u_acc: bf16 matrix units (AMX, AVX512-BF16, tensor cores) accumulate in float32
SAFETY = 4.0  # slack = 2 SAFETY e = 8 e per score, 4.2x the largest error measured (module docstring)
# Rows per chunk: on a CPU the buffer and its [1024, 1024] scores stay in cache; a GPU needs
# larger products to be busy.
CHUNK_ROWS = {"cpu": 1024, "cuda": 16384}
EXACT_ROWS = 128  # rows per float64 re-scoring slice
# Rows a bfloat16 pass leaves open with at most this many codes in the running (2.4 on average
# in our benchmarks) are re-scored on those codes only; rows with more by a float32 product.
GATHER_LIMIT = 8
OFFSET_COLUMNS = 16  # columns after each frame group: three ones add the offsets in the product
# CPU features (names of `torch.cpu.get_capabilities`) with bfloat16 matrix instructions, where a
# bfloat16 product beats float32: AMX tiles (measured 5.7-8x) and AVX512-BF16 (docs/benchmarks.md).
BF16_CPU_FEATURES = ("amx_bf16", "avx512_bf16")


@dataclass
class SearchCounts:
    """Where each row's code was decided (for logs and the benchmark)."""

    rows: int = 0
    by_precision: dict[str, int] = field(default_factory=dict)

    def add(self, dtype: torch.dtype, rows: int) -> None:
        name = str(dtype).removeprefix("torch.")
        self.by_precision[name] = self.by_precision.get(name, 0) + rows


def bfloat16_is_native(device: torch.device) -> bool:
    """Whether `device` multiplies bfloat16 matrices in hardware: a CUDA GPU that supports it, or a
    CPU with one of BF16_CPU_FEATURES (elsewhere bf16 products are emulated, slower than float32).

    Public torch API only: `torch.cpu.get_capabilities` (absent from older torch: then False).
    """
    if device.type == "cuda":
        return torch.cuda.is_bf16_supported()
    capabilities = getattr(torch.cpu, "get_capabilities", None)
    return device.type == "cpu" and capabilities is not None and any(capabilities().get(f) for f in BF16_CPU_FEATURES)


def pick_fast_dtype(device: torch.device) -> torch.dtype:
    """The first pass's precision: bfloat16 where it is native, else float32. The codes are the
    same either way; only the speed differs (docs/benchmarks.md, stage 3)."""
    return torch.bfloat16 if bfloat16_is_native(device) else torch.float32


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
        self._score_rows = self._scorers[torch.float32].t().contiguous()  # [bins, n + OFFSET_COLUMNS], gathered per code
        self._buffer = self._empty_rows(CHUNK_ROWS.get(weight.device.type, CHUNK_ROWS["cpu"]), torch.float32)
        self._fast_buffer = self._buffer.to(self.fast_dtype)
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

        Rows end in three ones (see `_empty_rows`), so one product gives the scores c - 2 x.M with c kept
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

    @torch.inference_mode()
    def codes_of(self, features: Sequence[torch.Tensor]) -> list[torch.Tensor]:
        """Codes [T_i // s] of each feature tensor [768, T_i]; frames are concatenated, not padded."""
        lengths = [f.size(1) // self.stride for f in features]
        ids = torch.zeros(sum(lengths), dtype=torch.long, device=self.offsets.device)
        self.counts.rows += ids.numel()
        if self.offsets.numel() > 1:  # a one-code book has nothing to search
            for start, rows in self._chunks(features, lengths):
                ids[start:start + rows.size(0)] = self._settle_chunk(rows)
        return list(ids.split(lengths))

    def codes(self, frames: torch.Tensor) -> torch.Tensor:
        """Frame groups [N, n] in the conv's channel-major order (`commons.group_frames`) -> ids [N]."""
        channels = self.width // self.stride
        source = frames.reshape(-1, channels, self.stride).permute(1, 0, 2).reshape(channels, -1)
        return self.codes_of([source])[0]

    # --- laying out rows ---------------------------------------------------------------------

    def _empty_rows(self, count: int, dtype: torch.dtype) -> torch.Tensor:
        """[count, n + OFFSET_COLUMNS] rows whose first n values are left for the frame groups and
        whose tail is (1, 1, 1, 0, ...), matching the offset parts of `_score_matrix`."""
        n = self.width
        rows = torch.empty(count, n + OFFSET_COLUMNS, dtype=dtype, device=self.offsets.device)
        rows[:, n:n + 3] = 1
        rows[:, n + 3:] = 0
        return rows

    def _chunks(self, features: Sequence[torch.Tensor], lengths: Sequence[int]) -> Iterator[tuple[int, torch.Tensor]]:
        """Yield (first row, float32 rows [R, n + OFFSET_COLUMNS]) over the concatenated frame groups.

        The rows are one reused buffer, valid until the next item: filling it straight from each
        [C, T] tensor (a transposing copy) costs one pass over the features and no fresh memory,
        where building all rows of a batch first cost three passes and page faults on 50 MB.
        """
        n, stride, buffer = self.width, self.stride, self._buffer
        channels, filled, first = n // stride, 0, 0
        for source, length in zip(features, lengths):
            done = 0
            while done < length:
                step = min(length - done, buffer.size(0) - filled)
                columns = source[:, done * stride:(done + step) * stride]  # [C, step * s]
                target = buffer[filled:filled + step, :n].view(step, stride, channels)
                target.copy_(columns.t().unflatten(0, (step, stride)))  # frame-major rows
                filled, done = filled + step, done + step
                if filled == buffer.size(0):
                    yield first, buffer
                    first, filled = first + filled, 0
        if filled:
            yield first, buffer[:filled]

    # --- the search --------------------------------------------------------------------------

    def _norms(self, rows: torch.Tensor) -> torch.Tensor:
        """The margin's norm sqrt(sum_i x_i^2 max_k M_ki^2) per float32 row [R], raised by (1 + 4u)
        for its own rounding."""
        squares = rows[:, : self.width].square() @ self.spread
        return squares.sqrt() * (1 + 4 * UNIT_ROUNDOFF[torch.float32])

    def _settle_chunk(self, rows: torch.Tensor) -> torch.Tensor:
        """Codes of float32 rows [R, n + OFFSET_COLUMNS]: a fast product, then closer looks where needed."""
        if self.fast_dtype == torch.float32:
            return self._settle_float32(rows)
        norms = self._norms(rows)
        fast = self._fast_buffer[: rows.size(0)]
        fast.copy_(rows)  # the tail's ones and zeros are exact in any precision
        scores = fast @ self._scorers[self.fast_dtype]  # [R, bins]
        best, unsure, high = self._certain(scores, norms, self.fast_dtype)
        self.counts.add(self.fast_dtype, rows.size(0) - unsure.numel())
        if unsure.numel():
            best[unsure] = self._settle_open(rows[unsure], norms[unsure], scores[unsure], high[unsure])
        return best

    def _settle_open(self, rows: torch.Tensor, norms: torch.Tensor, scores: torch.Tensor, high: torch.Tensor
                     ) -> torch.Tensor:
        """Codes of the rows a bfloat16 pass left open (a third of them on our benchmarks), in float32.

        Most have two or three codes in the running: scoring just those (gathered codewords) costs
        a few hundredth of a full product. Rows with more than GATHER_LIMIT take the full product.
        """
        close, count = self._candidates(scores, norms, high, self.fast_dtype, limit=GATHER_LIMIT)
        few = count <= GATHER_LIMIT
        if bool(few.all()):
            return self._settle_float32(rows, norms, codes=close)
        ids = torch.empty(rows.size(0), dtype=torch.long, device=rows.device)
        for subset, codes in ((few, close), (~few, None)):
            if bool(subset.any()):
                ids[subset] = self._settle_float32(rows[subset], norms[subset], None if codes is None else codes[subset])
        return ids

    def _settle_float32(self, rows: torch.Tensor, norms: torch.Tensor | None = None,
                        codes: torch.Tensor | None = None) -> torch.Tensor:
        """Codes of float32 rows [U, n + OFFSET_COLUMNS] from float32 scores, float64 checks where still
        close. Scores every code by one product, or with `codes` [U, K] only those (which must hold
        each row's float64 winner: the codes a coarser pass left in the running)."""
        norms = self._norms(rows) if norms is None else norms
        if codes is None:
            scores = rows @ self._scorers[torch.float32]  # [U, bins]
        else:
            scores = torch.bmm(self._score_rows[codes], rows.unsqueeze(2)).squeeze(2)  # [U, K]
        best, unsure, high = self._certain(scores, norms, torch.float32)
        if codes is not None:
            best = codes.gather(1, best.unsqueeze(1)).squeeze(1)  # positions in `codes` -> code ids
        self.counts.add(torch.float32, rows.size(0) - unsure.numel())
        if unsure.numel():
            close, count = self._candidates(scores[unsure], norms[unsure], high[unsure], torch.float32)
            if codes is not None:
                close = codes[unsure].gather(1, close)
            best[unsure] = self._exact(rows[unsure, : self.width], close, count)
        return best

    def _slack(self, norms: torch.Tensor, dtype: torch.dtype) -> torch.Tensor:
        """The input-rounding slack 2 SAFETY e of each row's scores (module docstring)."""
        return 2 * SAFETY * (UNIT_ROUNDOFF[dtype] + math.sqrt(self.width) * ACCUMULATOR_ROUNDOFF) * norms

    def _certain(self, scores: torch.Tensor, norms: torch.Tensor, dtype: torch.dtype
                 ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """Scores [R, bins] in `dtype` -> (best [R], rows not yet certain [U], high(winner) [R]).

        The winner is certain when low(runner-up) > high(winner) (module docstring).
        """
        unit, slack = UNIT_ROUNDOFF[dtype], self._slack(norms, dtype)
        top = scores.topk(2, dim=1, largest=False)
        winner, runner_up = top.values[:, 0].float(), top.values[:, 1].float()
        high = winner + slack + unit * winner.abs()
        certain = (runner_up - slack - unit * runner_up.abs() > high) & torch.isfinite(high)
        return top.indices[:, 0].clone(), (~certain).nonzero().squeeze(1), high

    def _candidates(self, scores: torch.Tensor, norms: torch.Tensor, high: torch.Tensor, dtype: torch.dtype,
                    limit: int | None = None) -> tuple[torch.Tensor, torch.Tensor]:
        """For uncertain rows: the codes that could still win, best first [U, K], and how many [U]:
        those with low(s_j) <= high(winner), i.e. the row's smallest scores. With `limit`, K stops
        there and rows with a larger count are listed incompletely (the caller treats them apart)."""
        unit, slack = UNIT_ROUNDOFF[dtype], self._slack(norms, dtype)
        running = scores.float()
        low = running - slack[:, None] - unit * running.abs()
        count = ((low <= high[:, None]) | ~torch.isfinite(running)).sum(1)
        width = int(count.max()) if limit is None else min(int(count.max()), limit)
        close = running.topk(width, dim=1, largest=False).indices
        return close, count

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

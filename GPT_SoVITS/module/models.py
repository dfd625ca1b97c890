"""The SoVITS generator of every version in `versions.VERSIONS`: `SynthesizerTrn` (content/text prior,
posterior, flow, HiFi-GAN decoder, style encoder, semantic quantizer); the discriminator is in
`discriminators.py`.

Parameter names and shapes equal upstream's checkpoints (`tests/data/manifests/s2G_*`), so
pretrained weights load through `weights_compat`. Paper symbols: `m_p`, `logs_p` are the prior's
mean and log-std, `m_q`, `logs_q` the posterior's, `z` a posterior sample, `z_p` that sample
mapped by the flow into the prior space, `ge` the global style vector.
"""

from __future__ import annotations

import logging
from typing import NamedTuple, Sequence

import torch
from torch import nn
from torch.nn import functional as F

from GPT_SoVITS.module import attentions, commons, modules
from GPT_SoVITS.module.config import S2Config
from GPT_SoVITS.module.norms import remove_weight_norm, weight_norm
from GPT_SoVITS.module.quantize import ResidualVectorQuantizer
from GPT_SoVITS.text.symbols import SymbolTable
from GPT_SoVITS.versions import DEFAULT_VERSION, is_pro_version
from GPT_SoVITS.weights_compat.tables import resolve_table

logger = logging.getLogger(__name__)

SSL_DIM = 768  # chinese-hubert-base hidden size
V2_REF_BINS = 704  # v2's style encoder sees spectrogram bins 0..703 (v1: all of them)
SV_DIM = 20480  # the ERes2NetV2 speaker vector (GPT_SoVITS.sv)
PRO_TEXT_STYLE_DIM = 512  # Pro's MRTE keeps v2's 512-wide style input: `ge_to512` maps gin to it


class TextEncoder(nn.Module):
    """The prior encoder `enc_p`: quantized content [B, 768, T] + phone ids -> (m_p, logs_p).

    Content goes through a 1x1 projection and 3 relative-attention layers, phones through the
    embedding and 6 layers; MRTE lets each content frame attend to the phones (plus `ge`);
    3 more layers and a 1x1 projection give the prior's mean and log-std per frame.
    """

    def __init__(self, out_channels: int, hidden_channels: int, filter_channels: int, n_heads: int,
                 n_layers: int, kernel_size: int, p_dropout: float, n_symbols: int, style_channels: int = 512):
        super().__init__()
        self.out_channels = out_channels
        self.ssl_proj = nn.Conv1d(SSL_DIM, hidden_channels, 1)
        self.encoder_ssl = attentions.Encoder(hidden_channels, filter_channels, n_heads, n_layers // 2, kernel_size, p_dropout)
        self.encoder_text = attentions.Encoder(hidden_channels, filter_channels, n_heads, n_layers, kernel_size, p_dropout)
        self.text_embedding = nn.Embedding(n_symbols, hidden_channels)
        nn.init.normal_(self.text_embedding.weight, 0.0, hidden_channels ** -0.5)
        # MRTE works in the style vector's width (512 in v2) because `ge` is added there.
        self.mrte = attentions.MRTE(hidden_channels, style_channels, hidden_channels, 4)
        self.encoder2 = attentions.Encoder(hidden_channels, filter_channels, n_heads, n_layers // 2, kernel_size, p_dropout)
        self.proj = nn.Conv1d(hidden_channels, out_channels * 2, 1)

    def forward(self, y: torch.Tensor, y_lengths: torch.Tensor, text: torch.Tensor, text_lengths: torch.Tensor,
                ge: torch.Tensor, speed: float = 1.0):
        """y [B, 768, T], text [B, N], ge [B, gin, 1] -> (h, m_p, logs_p, y_mask), T' = T / speed."""
        y_mask = commons.sequence_mask(y_lengths, y.size(2)).unsqueeze(1).to(y.dtype)
        y = self.encoder_ssl(self.ssl_proj(y * y_mask) * y_mask, y_mask)
        text_mask = commons.sequence_mask(text_lengths, text.size(1)).unsqueeze(1).to(y.dtype)
        text = self.text_embedding(text).transpose(1, 2)  # [B, N] -> [B, H, N]
        text = self.encoder_text(text * text_mask, text_mask)
        y = self.mrte(y, y_mask, text, text_mask, ge)
        y = self.encoder2(y * y_mask, y_mask)
        if speed != 1.0:
            y, y_mask = _resample_frames(y, y_lengths, speed)
        stats = self.proj(y) * y_mask
        m_p, logs_p = torch.split(stats, self.out_channels, dim=1)
        return y, m_p, logs_p, y_mask


def speed_frames(frames: int, speed: float) -> int:
    """Frames rendered for `frames` content frames at `speed`: int(T / speed) + 1 as upstream
    (so lengths and samples match its output); T itself at speed 1."""
    return frames if speed == 1.0 else int(frames / speed) + 1


def _resample_frames(y: torch.Tensor, lengths: torch.Tensor, speed: float) -> tuple[torch.Tensor, torch.Tensor]:
    """Each row's first `length` frames linearly resampled to `speed_frames(length)` and
    zero-padded again: (y [B, C, T'], mask [B, 1, T']). Row by row, so a padded batch resamples
    every piece exactly as it would be alone (the padding never enters the interpolation)."""
    sizes = [speed_frames(int(length), speed) for length in lengths]
    out = y.new_zeros(y.size(0), y.size(1), max(sizes))
    for row, (length, size) in enumerate(zip(lengths, sizes)):
        out[row, :, :size] = F.interpolate(y[row:row + 1, :, :int(length)], size=size, mode="linear",
                                           align_corners=False)[0]
    new_lengths = torch.tensor(sizes, device=y.device)
    return out, commons.sequence_mask(new_lengths, out.size(2)).unsqueeze(1).to(y.dtype)


class PosteriorEncoder(nn.Module):
    """`enc_q`: linear spectrogram [B, 1025, T] -> posterior sample z and its (m_q, logs_q).

    Used in training only; inference-format checkpoints omit its weights.
    """

    def __init__(self, in_channels: int, out_channels: int, hidden_channels: int, kernel_size: int,
                 dilation_rate: int, n_layers: int, gin_channels: int = 0):
        super().__init__()
        self.out_channels = out_channels
        self.pre = nn.Conv1d(in_channels, hidden_channels, 1)
        self.enc = modules.WN(hidden_channels, kernel_size, dilation_rate, n_layers, gin_channels=gin_channels)
        self.proj = nn.Conv1d(hidden_channels, out_channels * 2, 1)

    def forward(self, x: torch.Tensor, x_lengths: torch.Tensor, g: torch.Tensor | None = None):
        x_mask = commons.sequence_mask(x_lengths, x.size(2)).unsqueeze(1).to(x.dtype)
        x = self.enc(self.pre(x) * x_mask, x_mask, g=g)
        stats = self.proj(x) * x_mask
        m_q, logs_q = torch.split(stats, self.out_channels, dim=1)
        z = (m_q + torch.randn_like(m_q) * torch.exp(logs_q)) * x_mask
        return z, m_q, logs_q, x_mask


class ResidualCouplingBlock(nn.Module):
    """`flow`: 4 mean-only coupling layers interleaved with channel flips (flows 0, 2, 4, 6)."""

    def __init__(self, channels: int, hidden_channels: int, kernel_size: int, dilation_rate: int,
                 n_layers: int, n_flows: int = 4, gin_channels: int = 0):
        super().__init__()
        self.flows = nn.ModuleList()
        for _ in range(n_flows):
            self.flows.append(modules.ResidualCouplingLayer(
                channels, hidden_channels, kernel_size, dilation_rate, n_layers, gin_channels=gin_channels, mean_only=True))
            self.flows.append(modules.Flip())

    def forward(self, x: torch.Tensor, x_mask: torch.Tensor, g: torch.Tensor | None = None,
                reverse: bool = False) -> torch.Tensor:
        flows = reversed(self.flows) if reverse else self.flows
        for flow in flows:
            x = flow(x, x_mask, g=g, reverse=reverse)
        return x


class Generator(nn.Module):
    """`dec`: HiFi-GAN vocoder from latent frames [B, 192, T] to audio [B, 1, T * prod(rates)],
    conditioned on the style vector through the 1x1 `cond` convolution."""

    def __init__(self, initial_channel: int, resblock: str, resblock_kernel_sizes: Sequence[int],
                 resblock_dilation_sizes: Sequence[Sequence[int]], upsample_rates: Sequence[int],
                 upsample_initial_channel: int, upsample_kernel_sizes: Sequence[int], gin_channels: int = 0):
        super().__init__()
        self.num_kernels = len(resblock_kernel_sizes)
        self.conv_pre = nn.Conv1d(initial_channel, upsample_initial_channel, 7, 1, padding=3)
        block = modules.ResBlock1 if str(resblock) == "1" else modules.ResBlock2
        self.ups = nn.ModuleList()
        for i, (rate, kernel) in enumerate(zip(upsample_rates, upsample_kernel_sizes)):
            self.ups.append(weight_norm(nn.ConvTranspose1d(
                upsample_initial_channel // 2 ** i, upsample_initial_channel // 2 ** (i + 1),
                kernel, rate, padding=(kernel - rate) // 2)))
        self.ups.apply(commons.init_weights)
        self.resblocks = nn.ModuleList()
        channels = upsample_initial_channel
        for i in range(len(self.ups)):
            channels = upsample_initial_channel // 2 ** (i + 1)
            for kernel, dilation in zip(resblock_kernel_sizes, resblock_dilation_sizes):
                self.resblocks.append(block(channels, kernel, tuple(dilation)))
        self.conv_post = nn.Conv1d(channels, 1, 7, 1, padding=3, bias=False)
        if gin_channels:
            self.cond = nn.Conv1d(gin_channels, upsample_initial_channel, 1)

    def forward(self, x: torch.Tensor, g: torch.Tensor | None = None, x_mask: torch.Tensor | None = None) -> torch.Tensor:
        """x [B, C, T] -> audio [B, 1, T * hop]. With `x_mask` [B, 1, T] (a padded batch) every
        convolution's input is zeroed past each row's end, at every resolution, so each row's
        audio equals what that row alone renders (its convolutions' zero padding starts where
        the row ends); without it, nothing is masked (one piece, or rows of equal length)."""
        def masked(values: torch.Tensor) -> torch.Tensor:
            return values if x_mask is None else values * x_mask

        x = self.conv_pre(masked(x))
        if g is not None and hasattr(self, "cond"):
            x = x + self.cond(g)
        for i, up in enumerate(self.ups):
            x = up(masked(F.leaky_relu(x, modules.LRELU_SLOPE)))
            if x_mask is not None:
                x_mask = x_mask.repeat_interleave(up.stride[0], dim=2)
            blocks = self.resblocks[i * self.num_kernels:(i + 1) * self.num_kernels]
            x = sum(block(x, x_mask) for block in blocks) / self.num_kernels
        x = self.conv_post(masked(F.leaky_relu(x)))
        return torch.tanh(x)

    def remove_weight_norm(self) -> None:
        for up in self.ups:
            remove_weight_norm(up)
        for block in self.resblocks:
            block.remove_weight_norm()


class GeneratorOutput(NamedTuple):
    """What the training forward returns (shapes for batch B, spectrogram frames T)."""

    audio: torch.Tensor        # [B, 1, segment_size * hop] decoded slice of z
    ids_slice: torch.Tensor    # [B] start frame of each slice (multiply by hop for samples)
    spec_mask: torch.Tensor    # [B, 1, T]
    z: torch.Tensor            # [B, inter, T] posterior sample
    z_p: torch.Tensor          # [B, inter, T] z through the flow
    m_p: torch.Tensor          # [B, inter, T] prior mean
    logs_p: torch.Tensor       # [B, inter, T] prior log-std
    m_q: torch.Tensor          # [B, inter, T] posterior mean
    logs_q: torch.Tensor       # [B, inter, T] posterior log-std
    commit_loss: torch.Tensor  # scalar quantizer commitment loss (0 when frozen)


class SynthesizerTrn(nn.Module):
    """The SoVITS generator (`s2G`). Built like upstream:
    `SynthesizerTrn(spec_channels, segment_size, n_speakers=300, **config.model, table=...)`.

    `table` (a `SymbolTable` or its name) sets the rows of `enc_p.text_embedding`; everything
    else follows the config. `n_layers_q` and `use_spectral_norm` are accepted and unused, as
    upstream does; `n_speakers` is accepted for signature compatibility (no speaker embedding).
    A `version` with speaker vectors adds `sv_emb`, `prelu` and `ge_to512` (see `style_vectors`).
    """

    def __init__(self, spec_channels: int, segment_size: int, inter_channels: int, hidden_channels: int,
                 filter_channels: int, n_heads: int, n_layers: int, kernel_size: int, p_dropout: float,
                 resblock: str, resblock_kernel_sizes: Sequence[int], resblock_dilation_sizes: Sequence[Sequence[int]],
                 upsample_rates: Sequence[int], upsample_initial_channel: int, upsample_kernel_sizes: Sequence[int],
                 n_speakers: int = 0, gin_channels: int = 0, semantic_frame_rate: str = "25hz",
                 freeze_quantizer: bool = True, version: str = DEFAULT_VERSION, table: SymbolTable | str | None = None,
                 **unused):
        super().__init__()
        if unused:
            logger.debug("SynthesizerTrn: ignoring config keys %s", ", ".join(sorted(unused)))
        if semantic_frame_rate not in ("25hz", "50hz"):
            raise ValueError(f"semantic_frame_rate must be '25hz' or '50hz', got {semantic_frame_rate!r}")
        self.table = resolve_table(table, version=version)
        self.version = version
        self.spec_channels = spec_channels
        self.segment_size = segment_size
        self.semantic_frame_rate = semantic_frame_rate
        self.ref_bins = spec_channels if version == "v1" else V2_REF_BINS
        self.is_pro = is_pro_version(version)
        self.hop_length = 1
        for rate in upsample_rates:
            self.hop_length *= rate
        text_style_dim = PRO_TEXT_STYLE_DIM if self.is_pro else gin_channels
        self.enc_p = TextEncoder(inter_channels, hidden_channels, filter_channels, n_heads, n_layers,
                                 kernel_size, p_dropout, len(self.table), text_style_dim)
        self.dec = Generator(inter_channels, resblock, resblock_kernel_sizes, resblock_dilation_sizes,
                             upsample_rates, upsample_initial_channel, upsample_kernel_sizes, gin_channels)
        self.enc_q = PosteriorEncoder(spec_channels, inter_channels, hidden_channels, 5, 1, 16, gin_channels)
        self.flow = ResidualCouplingBlock(inter_channels, hidden_channels, 5, 1, 4, gin_channels=gin_channels)
        self.ref_enc = modules.MelStyleEncoder(self.ref_bins, style_vector_dim=gin_channels)
        stride = 2 if semantic_frame_rate == "25hz" else 1
        self.ssl_proj = nn.Conv1d(SSL_DIM, SSL_DIM, stride, stride=stride)
        self.quantizer = ResidualVectorQuantizer(dimension=SSL_DIM, n_q=1, bins=1024)
        self.quantizer_frozen = False
        if self.is_pro:
            self.sv_emb = nn.Linear(SV_DIM, gin_channels)
            self.ge_to512 = nn.Linear(gin_channels, PRO_TEXT_STYLE_DIM)
            self.prelu = nn.PReLU(num_parameters=gin_channels)
        if freeze_quantizer:
            self.freeze_quantizer_parts()

    # --- quantizer freezing -----------------------------------------------------------

    def freeze_quantizer_parts(self) -> None:
        """Fix `ssl_proj` and the quantizer: eval mode, no gradient, no codebook update.

        Upstream fine-tuning keeps them fixed only as a side effect of calling `.eval()` inside
        forward; we do it explicitly so semantic tokens stay valid after fine-tuning. `train()`
        below keeps them in eval mode from then on.
        """
        self.quantizer_frozen = True
        for part in (self.ssl_proj, self.quantizer):
            part.eval()
            part.requires_grad_(False)

    def train(self, mode: bool = True) -> "SynthesizerTrn":
        super().train(mode)
        if self.quantizer_frozen:
            self.ssl_proj.eval()
            self.quantizer.eval()
        return self

    def _ssl_frames(self, ssl: torch.Tensor) -> torch.Tensor:
        """[B, 768, T] -> [B, T // s, 768 * s]: the 50 Hz frames the stride-s `ssl_proj` reads together."""
        return commons.group_frames(ssl, self.ssl_proj.stride[0])

    def project_ssl(self, frames: torch.Tensor) -> torch.Tensor:
        """`ssl_proj` as one matmul over grouped frames [..., 768 * s] -> [..., 768].

        Same weights and result as the strided Conv1d (up to float rounding), but a plain GEMM
        is markedly faster on CPU and lets stage 3 batch utterances without padding.
        """
        weight = self.ssl_proj.weight
        return F.linear(frames, weight.reshape(weight.size(0), -1), self.ssl_proj.bias)

    def _quantize(self, ssl: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """ssl [B, 768, T] -> (quantized content [B, 768, T // stride], commit loss).

        Runs with autocast off, in the projection's own dtype, as upstream does: under fp16 AMP
        the projection GEMM would otherwise run in half precision, which can pick different
        (nearest-tie) codes than stage 3 wrote and hands enc_p fp16-rounded codewords.
        """
        with torch.autocast(ssl.device.type, enabled=False):
            ssl = ssl.to(self.ssl_proj.weight.dtype)
            if self.quantizer_frozen:
                with torch.no_grad():  # frozen: no autograd graph through ssl_proj / codebook
                    projected = self.project_ssl(self._ssl_frames(ssl)).transpose(1, 2)
                    quantized, _, commit_loss, _ = self.quantizer(projected)
                return quantized, commit_loss
            projected = self.project_ssl(self._ssl_frames(ssl)).transpose(1, 2)
            quantized, _, commit_loss, _ = self.quantizer(projected)
            return quantized, commit_loss

    def _upsample_content(self, quantized: torch.Tensor) -> torch.Tensor:
        """25 Hz codes back to 50 Hz frames by repeating each twice: [B, D, T] -> [B, D, 2T]."""
        if self.semantic_frame_rate == "25hz":
            return quantized.repeat_interleave(2, dim=2)
        return quantized

    def style(self, spec: torch.Tensor, spec_lengths: torch.Tensor | None = None) -> torch.Tensor:
        """Global style vector ge [B, gin, 1] from a linear spectrogram [B, 1025, T]."""
        if spec_lengths is None:
            spec_lengths = torch.full((spec.size(0),), spec.size(2), device=spec.device, dtype=torch.long)
        mask = commons.sequence_mask(spec_lengths, spec.size(2)).unsqueeze(1).to(spec.dtype)
        return self.ref_enc(spec[:, : self.ref_bins] * mask, mask)

    def _check_sv(self, sv_emb: object) -> None:
        if self.is_pro and sv_emb is None:
            raise ValueError(f"a {self.version} model needs the reference's speaker vector sv_emb [B, {SV_DIM}]")
        if not self.is_pro and sv_emb is not None:
            raise ValueError(f"sv_emb was given to a {self.version} model, which has no speaker-vector input")

    def style_vectors(self, refers: Sequence[torch.Tensor], spec_lengths: torch.Tensor | None = None,
                      sv_embs: Sequence[torch.Tensor] | None = None) -> tuple[torch.Tensor, torch.Tensor]:
        """(ge, ge_text): the style for flow/dec/enc_q [B, gin, 1] and for enc_p's MRTE.

        Each reference spectrogram gives `style(refer)`; several references are averaged. Pro
        adds the reference's speaker vector, `prelu(style + sv_emb(sv))` per reference, averages
        after the PReLU and maps the average to 512 channels with `ge_to512` for MRTE only
        (a Linear commutes with the mean). v2 uses the same `ge` for both.
        """
        if not self.is_pro:
            ge = torch.stack([self.style(r, spec_lengths) for r in refers]).mean(dim=0)
            return ge, ge
        if sv_embs is None or len(sv_embs) != len(refers):
            raise ValueError(f"{self.version}: give one speaker vector per reference spectrogram "
                             f"({len(refers)} references, {0 if sv_embs is None else len(sv_embs)} vectors)")
        per_reference = [self.prelu(self.style(r, spec_lengths) + self.sv_emb(sv).unsqueeze(-1))  # [B, gin, 1]
                         for r, sv in zip(refers, sv_embs)]
        ge = torch.stack(per_reference).mean(dim=0)
        return ge, self.ge_to512(ge.transpose(1, 2)).transpose(1, 2)  # [B, gin, 1] -> [B, 512, 1]

    # --- training -----------------------------------------------------------------------

    def forward(self, ssl: torch.Tensor, spec: torch.Tensor, spec_lengths: torch.Tensor,
                text: torch.Tensor, text_lengths: torch.Tensor, sv_emb: torch.Tensor | None = None) -> GeneratorOutput:
        """Training pass: ssl [B, 768, T_ssl], spec [B, 1025, T], text [B, N] -> GeneratorOutput.

        Pro models also take `sv_emb` [B, 20480], the utterances' speaker vectors. The content
        path (ssl_proj, quantizer, x2 repeat) is trimmed or edge-padded to the T spectrogram
        frames when an odd length leaves it one frame off.
        """
        self._check_sv(sv_emb)
        ge, ge_text = self.style_vectors([spec], spec_lengths, None if sv_emb is None else [sv_emb])
        quantized, commit_loss = self._quantize(ssl)
        content = commons.match_length(self._upsample_content(quantized), spec.size(2))
        _, m_p, logs_p, _ = self.enc_p(content, spec_lengths, text, text_lengths, ge_text)
        z, m_q, logs_q, spec_mask = self.enc_q(spec, spec_lengths, g=ge)
        z_p = self.flow(z, spec_mask, g=ge)
        z_slice, ids_slice = commons.rand_slice_segments(z, spec_lengths, self.segment_size)
        audio = self.dec(z_slice, g=ge)
        return GeneratorOutput(audio, ids_slice, spec_mask, z, z_p, m_p, logs_p, m_q, logs_q, commit_loss)

    # --- inference ----------------------------------------------------------------------

    @torch.no_grad()
    def extract_latent(self, ssl: torch.Tensor) -> torch.Tensor:
        """Semantic codes: ssl [B, 768, T] at 50 Hz -> LongTensor [B, 1, T // 2] (25 Hz).

        Each code is the nearest codeword (squared Euclidean) of `ssl_proj(ssl)`; nothing is
        learned, whatever the module's mode.
        """
        frames = self._ssl_frames(ssl)  # [B, T2, 1536]
        b, t2, _ = frames.shape
        codes = self.quantizer.encode_rows(self.project_ssl(frames.reshape(b * t2, -1)))  # [n_q, B * T2]
        return codes.view(-1, b, t2).transpose(0, 1)

    @staticmethod
    def _codes_first(codes: torch.Tensor) -> torch.Tensor:
        """Accept codes [B, 1, T] or [1, B, T] (upstream's layout); return [n_q=1, B, T]."""
        if codes.dim() != 3:
            raise ValueError(f"codes must be [B, 1, T] or [1, B, T], got shape {tuple(codes.shape)}")
        return codes.transpose(0, 1) if codes.size(1) == 1 else codes

    @torch.no_grad()
    def decode(self, codes: torch.Tensor, text: torch.Tensor, refer: torch.Tensor | Sequence[torch.Tensor],
               noise_scale: float = 0.5, speed: float = 1.0,
               sv_emb: torch.Tensor | Sequence[torch.Tensor] | None = None,
               generator: torch.Generator | None = None) -> torch.Tensor:
        """Synthesize audio [B, 1, hop * frames] from 25 Hz codes, phone ids [B, N] and a
        reference spectrogram [B, 1025, T_ref] (or a list of them: their style vectors are averaged).

        Pro models also take the reference's speaker vector `sv_emb` [B, 20480] (a list of them,
        one per reference, when `refer` is a list). frames = 2 * T25 at speed 1, else
        int(2 * T25 / speed) + 1; noise_scale scales the prior sample, drawn from `generator`
        when given (threads decoding at once must not share the global generator), else the global one.
        """
        ge, ge_text = self._decode_style(refer, sv_emb)
        content = self._upsample_content(self.quantizer.decode(self._codes_first(codes)))
        batch = content.size(0)
        y_lengths = torch.full((batch,), content.size(2), device=content.device, dtype=torch.long)
        text_lengths = torch.full((batch,), text.size(1), device=text.device, dtype=torch.long)

        def noise(m_p: torch.Tensor) -> torch.Tensor:
            return torch.randn(m_p.shape, generator=generator, device=m_p.device, dtype=m_p.dtype) \
                if generator is not None else torch.randn_like(m_p)

        return self._render(content, y_lengths, text, text_lengths, ge, ge_text, noise, noise_scale, speed, padded=False)

    @torch.no_grad()
    def decode_batch(self, codes: Sequence[torch.Tensor], texts: Sequence[torch.Tensor],
                     refer: torch.Tensor | Sequence[torch.Tensor], generators: Sequence[torch.Generator],
                     noise_scale: float = 0.5, speed: float = 1.0,
                     sv_emb: torch.Tensor | Sequence[torch.Tensor] | None = None) -> list[torch.Tensor]:
        """Several pieces of different lengths in one padded batch: 25 Hz codes [T25_i] and phone
        ids [N_i] per piece, one shared reference (as `decode`) -> audio [hop * frames_i] per piece.

        Piece i equals `decode` of that piece alone with `generators[i]` (up to float rounding):
        its noise is drawn from its own generator at its own length, every attention and
        convolution masks the padding (`Generator.forward`'s `x_mask`), and speed resamples each
        row alone. Padding costs work, so callers batch pieces of similar length.
        """
        if not (len(codes) == len(texts) == len(generators)) or not codes:
            raise ValueError(f"decode_batch needs one text and one generator per piece: {len(codes)} codes, "
                             f"{len(texts)} texts, {len(generators)} generators")
        ge, ge_text = self._decode_style(refer, sv_emb)
        device = ge.device
        code_lengths = [int(c.numel()) for c in codes]
        padded_codes = torch.zeros((1, len(codes), max(code_lengths)), dtype=torch.long, device=device)
        for row, piece in enumerate(codes):
            padded_codes[0, row, :piece.numel()] = piece.reshape(-1)
        text_lengths = torch.tensor([int(t.numel()) for t in texts], dtype=torch.long, device=device)
        padded_texts = torch.zeros((len(texts), int(text_lengths.max())), dtype=torch.long, device=device)
        for row, piece in enumerate(texts):
            padded_texts[row, :piece.numel()] = piece.reshape(-1)
        content = self._upsample_content(self.quantizer.decode(padded_codes))
        repeat = content.size(2) // padded_codes.size(2)
        y_lengths = torch.tensor(code_lengths, dtype=torch.long, device=device) * repeat
        frames = [speed_frames(int(length), speed) for length in y_lengths]

        def noise(m_p: torch.Tensor) -> torch.Tensor:
            rows = torch.zeros_like(m_p)
            for row, (count, generator) in enumerate(zip(frames, generators)):
                rows[row, :, :count] = torch.randn((1, m_p.size(1), count), generator=generator,
                                                   device=m_p.device, dtype=m_p.dtype)[0]
            return rows

        audio = self._render(content, y_lengths, padded_texts, text_lengths, ge, ge_text, noise, noise_scale, speed,
                             padded=len(set(frames)) > 1)
        return [audio[row, 0, :count * self.hop_length] for row, count in enumerate(frames)]

    def _decode_style(self, refer: torch.Tensor | Sequence[torch.Tensor],
                      sv_emb: torch.Tensor | Sequence[torch.Tensor] | None) -> tuple[torch.Tensor, torch.Tensor]:
        self._check_sv(sv_emb)
        refers = [refer] if isinstance(refer, torch.Tensor) else list(refer)
        sv_embs = [sv_emb] if isinstance(sv_emb, torch.Tensor) else sv_emb
        return self.style_vectors(refers, None, sv_embs)

    def _render(self, content: torch.Tensor, y_lengths: torch.Tensor, text: torch.Tensor, text_lengths: torch.Tensor,
                ge: torch.Tensor, ge_text: torch.Tensor, noise, noise_scale: float, speed: float,
                padded: bool) -> torch.Tensor:
        """Prior (enc_p) -> noisy sample (`noise(m_p)`) -> reverse flow -> decoder: audio [B, 1, hop * T']."""
        batch = content.size(0)
        if ge.size(0) != batch:
            ge, ge_text = ge.expand(batch, -1, -1), ge_text.expand(batch, -1, -1)
        _, m_p, logs_p, y_mask = self.enc_p(content, y_lengths, text, text_lengths, ge_text, speed)
        z_p = m_p + noise(m_p) * torch.exp(logs_p) * noise_scale
        z = self.flow(z_p, y_mask, g=ge, reverse=True)
        return self.dec(z * y_mask, g=ge, x_mask=y_mask if padded else None)

    def remove_weight_norm(self) -> None:
        """Fold weight norm into plain weights for inference (state-dict keys change to `weight`)."""
        self.dec.remove_weight_norm()
        for module in self.flow.flows:
            if isinstance(module, modules.ResidualCouplingLayer):
                module.enc.remove_weight_norm()
        self.enc_q.enc.remove_weight_norm()


def build_generator(config: S2Config, table: SymbolTable | str | None = None) -> SynthesizerTrn:
    """The generator for `config` and symbol `table` (default: by `model.version`, else the project's)."""
    return SynthesizerTrn(
        config.spec_channels, config.segment_frames, n_speakers=config.data.n_speakers,
        **config.model.kwargs(), table=table,
    )

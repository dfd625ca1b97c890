"""Weight normalisation with the legacy `weight_g`/`weight_v` parameter names.

Real SoVITS checkpoints store weight-normed convolutions as `<name>.weight_g` and
`<name>.weight_v`. torch still ships the legacy hook-based `torch.nn.utils.weight_norm`, which
produces exactly these names (the newer parametrization API would name them
`parametrizations.weight.original0/1`), so we use it, and this is the one place that does.
"""

from __future__ import annotations

import warnings

from torch import nn
from torch.nn.utils import remove_weight_norm as _remove_weight_norm
from torch.nn.utils import spectral_norm as _spectral_norm
from torch.nn.utils import weight_norm as _weight_norm


def weight_norm(module: nn.Module) -> nn.Module:
    """Apply legacy weight norm (dim 0) so the state dict has `weight_g`/`weight_v` keys."""
    with warnings.catch_warnings():
        # The legacy API is deprecated but is the only one whose key names match checkpoints.
        warnings.filterwarnings("ignore", message=r".*torch\.nn\.utils\.weight_norm.*is deprecated", category=FutureWarning)
        return _weight_norm(module)


def spectral_norm(module: nn.Module) -> nn.Module:
    """Spectral norm (discriminator option `use_spectral_norm`)."""
    return _spectral_norm(module)


def remove_weight_norm(module: nn.Module) -> None:
    """Fold `weight_g`/`weight_v` back into a plain `weight` (inference speed-up)."""
    _remove_weight_norm(module)


def has_weight_norm(module: nn.Module) -> bool:
    return hasattr(module, "weight_g") and hasattr(module, "weight_v")

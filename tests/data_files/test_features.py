"""The one strict reader of stage 2's feature files, and the 5-wav32k reader/writer."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from GPT_SoVITS.data_files.features import read_ssl_features, read_wav32k, stage2_finished, write_stage2_outputs
from GPT_SoVITS.errors import DataError


def _save(path, value):
    torch.save(value, path)
    return path


def test_a_good_file_gives_768_by_t_in_its_dtype(tmp_path):
    features = torch.randn(1, 768, 9)
    loaded = read_ssl_features(_save(tmp_path / "a.pt", features))
    assert loaded.shape == (768, 9) and torch.equal(loaded, features[0])
    assert read_ssl_features(_save(tmp_path / "h.pt", features.half())).dtype == torch.float16


@pytest.mark.parametrize("value,message", [
    (torch.randn(768, 9), r"expected shape \[1, 768, T\], got \[768, 9\]"),
    (torch.randn(2, 768, 9), r"expected shape \[1, 768, T\], got \[2, 768, 9\]"),
    (torch.zeros(1, 768, 9, dtype=torch.int32), "expected a float tensor .* got a torch.int32 tensor"),
    ({"ssl": torch.randn(1, 768, 9)}, "expected a float tensor .* got dict"),
    (torch.randn(1, 768, 1), "only 1 feature frame"),
])
def test_wrong_contents_are_named(tmp_path, value, message):
    path = _save(tmp_path / "x.wav.pt", value)
    with pytest.raises(DataError, match=message) as caught:
        read_ssl_features(path)
    assert str(path) in str(caught.value)


def test_missing_corrupt_and_non_finite_files_are_named(tmp_path):
    with pytest.raises(DataError, match="missing: stage 2 did not produce it"):
        read_ssl_features(tmp_path / "none.pt")
    (tmp_path / "bad.pt").write_bytes(b"not a torch file")
    with pytest.raises(DataError, match="cannot be read"):
        read_ssl_features(tmp_path / "bad.pt")
    for value in (math.nan, math.inf):
        features = torch.randn(1, 768, 4)
        features[0, 3, 2] = value
        with pytest.raises(DataError, match="NaN or inf"):
            read_ssl_features(_save(tmp_path / "n.pt", features))
    assert read_ssl_features(_save(tmp_path / "huge.pt", torch.full((1, 768, 4), 3e36))).shape == (768, 4)


def test_stage2_outputs_round_trip(tmp_path):
    samples = (np.sin(np.arange(3200) / 10) * 20000).astype(np.int16)
    assert not stage2_finished(tmp_path, "a.wav")
    write_stage2_outputs(tmp_path, "a.wav", samples, torch.ones(1, 768, 5))
    assert stage2_finished(tmp_path, "a.wav")
    audio = read_wav32k(tmp_path / "5-wav32k" / "a.wav")
    assert audio.dtype == torch.float32 and torch.allclose(audio, torch.from_numpy(samples / 32768.0).float())
    with pytest.raises(DataError, match="32000 Hz, expected 16000"):
        read_wav32k(tmp_path / "5-wav32k" / "a.wav", 16000)

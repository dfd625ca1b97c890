"""Batched GPT decoding (`AR.models.batch_decode`): one row equals `infer`, every row of a batch
decodes what it decodes alone (greedy), rows that end early leave the batch, bad inputs."""

from __future__ import annotations

import pytest
import torch

from GPT_SoVITS.AR.models.batch_decode import DecodeSettings, decode_rows, decode_steps
from GPT_SoVITS.AR.models.t2s_model import build_text2semantic
from GPT_SoVITS.errors import DataError
from GPT_SoVITS.text.symbols import get_table
from tests.AR.helpers import FLIP_MARGIN, flip_margin
from tests.inference.fixtures import tiny_gpt_config

LENGTHS = (5, 12, 8, 20, 3, 30, 9, 15)


@pytest.fixture(scope="module")
def model():
    """A tiny GPT whose EOS row is tilted so rows end after 17-47 greedy steps, each at its own step."""
    table = get_table("v2+ru")
    torch.manual_seed(0)
    gpt = build_text2semantic(tiny_gpt_config(table), table).eval()
    with torch.no_grad():
        weight = gpt.ar_predict_layer.weight
        weight[gpt.EOS] = weight[:64].mean(0) * 16
    return gpt


@pytest.fixture(scope="module")
def rows():
    generator = torch.Generator().manual_seed(0)
    phones = [torch.randint(1, 100, (n,), generator=generator) for n in LENGTHS]
    return phones, [torch.zeros(1024, row.numel()) for row in phones], torch.randint(0, 1024, (1, 7), generator=generator)


def assert_same_or_near_tie(model, phones, prompt, alone: list[int], batched: list[int]) -> None:
    if alone == batched:
        return
    position = next((i for i, (a, b) in enumerate(zip(alone, batched)) if a != b), min(len(alone), len(batched)))
    margin = flip_margin(model, phones, prompt, alone, position)
    assert margin < FLIP_MARGIN, f"token {position} flipped where the top two logits differ by {margin:.2e}"


def test_one_row_decodes_exactly_what_infer_decodes(model, rows):
    phones, berts, prompt = rows
    for top_k in (1, 15):
        with torch.inference_mode():
            expected = model.infer(phones[1][None], berts[1][None], prompt, top_k=top_k, max_new_tokens=60,
                                   generator=torch.Generator().manual_seed(3))[0]
            got = decode_rows(model, [phones[1]], [berts[1]], prompt, DecodeSettings(top_k=top_k, max_new_tokens=60),
                              torch.Generator().manual_seed(3))[0]
        assert torch.equal(got, expected), top_k


@pytest.mark.parametrize("batch_size", [2, 4, 8])
def test_greedy_rows_of_a_batch_decode_what_they_decode_alone(model, rows, batch_size):
    phones, berts, prompt = rows
    settings = DecodeSettings(top_k=1, max_new_tokens=60)
    with torch.inference_mode():
        alone = [decode_rows(model, [p], [b], prompt, settings)[0].tolist() for p, b in zip(phones, berts)]
        batched = []
        for start in range(0, len(phones), batch_size):
            batched += [row.tolist() for row in decode_rows(model, phones[start:start + batch_size],
                                                            berts[start:start + batch_size], prompt, settings)]
    assert len({len(row) for row in alone}) > 3  # rows end at different steps: the early ones leave the batch
    for p, a, b in zip(phones, alone, batched):
        assert_same_or_near_tie(model, p, prompt, a, b)


def test_rows_leave_the_batch_at_their_eos(model, rows):
    phones, berts, prompt = rows
    with torch.inference_mode():
        steps = list(decode_steps(model, phones[:4], berts[:4], prompt, DecodeSettings(top_k=1, max_new_tokens=60)))
    assert steps[0].rows == (0, 1, 2, 3) and len(steps[-1].rows) == 1
    ended = [row for step in steps for row, token in zip(step.rows, step.tokens) if token is None]
    assert sorted(ended) == [0, 1, 2, 3]  # each row ends once and is not seen after
    for row in range(4):
        seen = [index for index, step in enumerate(steps) if row in step.rows]
        assert seen == list(range(len(seen)))


def test_sampled_batch_is_reproducible_for_a_seed(model, rows):
    phones, berts, prompt = rows
    settings = DecodeSettings(top_k=15, max_new_tokens=40)

    def run(seed):
        with torch.inference_mode():
            return [r.tolist() for r in decode_rows(model, phones[:4], berts[:4], prompt, settings,
                                                    torch.Generator().manual_seed(seed))]

    assert run(5) == run(5) and run(5) != run(6)


def test_bad_inputs_say_what_was_passed(model, rows):
    phones, berts, prompt = rows
    with pytest.raises(DataError, match=r"one BERT tensor per phone row \(2 rows, 1 BERT\)"):
        list(decode_steps(model, phones[:2], berts[:1], prompt))
    with pytest.raises(DataError, match=r"row 0: bert must be \[1024, 5\], got \(1024, 4\)"):
        list(decode_steps(model, phones[:1], [torch.zeros(1024, 4)], prompt))
    with pytest.raises(DataError, match=r"prompt must be \[1, P\], got \(7,\)"):
        list(decode_steps(model, phones[:1], berts[:1], prompt[0]))
    with pytest.raises(DataError, match="phone ids must lie in"):
        list(decode_steps(model, [torch.tensor([10**6])], [torch.zeros(1024, 1)], prompt))
    with pytest.raises(DataError, match=r"row 0: phones must be \[N>0\]"):
        list(decode_steps(model, [torch.zeros(0, dtype=torch.long)], [torch.zeros(1024, 0)], prompt))

"""Fixtures shared by the autograd tests."""

from __future__ import annotations

import pytest

import autograd.conv_geometry as conv_geometry
import autograd.conv_kernels as conv_kernels


@pytest.fixture(params=["whole", "per_sample", "per_sample_kept"])
def conv_blocks(request, monkeypatch):
    """Run a conv test with each column layout: the batch unfolded in one block (columns
    kept for backward), one sample per block with the columns rebuilt for dJ/dW, or one
    sample per block with all columns kept in one array."""
    monkeypatch.setattr(conv_geometry, "COLS_BUDGET", 10**9 if request.param == "whole" else 1)
    monkeypatch.setattr(conv_kernels, "KEEP_COLS_MAX",
                        10**9 if request.param.endswith("kept") else 0)  # fmt: skip
    return request.param

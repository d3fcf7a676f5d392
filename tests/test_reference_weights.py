"""The deterministic weight/input rule matches the check values published with the reference vectors."""

from __future__ import annotations

import numpy as np

from vostok.reference_weights import rule_input, rule_tensor


def test_rule_tensor_matches_published_check_values():
    w = rule_tensor("key_encoder.conv1.weight", (64, 3, 7, 7))
    np.testing.assert_allclose(w.ravel()[:3], [0.013962336, -0.068675324, 0.051002961], rtol=1e-6)
    np.testing.assert_allclose(w.astype(np.float64).sum(), -2.7400751, rtol=1e-6)
    var = rule_tensor("key_encoder.bn1.running_var", (64,))
    np.testing.assert_allclose(var.ravel()[:3], [0.90141523, 0.59918535, 1.2183841], rtol=1e-6)
    np.testing.assert_allclose(
        rule_tensor("key_encoder.bn1.weight", (64,)).sum(dtype=np.float64), 61.317882, rtol=1e-6
    )
    np.testing.assert_allclose(
        rule_tensor("key_encoder.bn1.bias", (64,)).sum(dtype=np.float64), -0.13058691, rtol=1e-5
    )


def test_salt_changes_the_weights():
    assert not np.array_equal(rule_tensor("a.weight", (4, 4)), rule_tensor("a.weight", (4, 4), salt="x"))


def test_rule_input_matches_published_check_values():
    x = rule_input((3, 3, 96, 160))
    np.testing.assert_allclose(x.ravel()[:3], [0.6369617, 0.26978672, 0.040973525], rtol=1e-6)
    np.testing.assert_allclose(x.astype(np.float64).sum(), 69023.174, rtol=1e-7)

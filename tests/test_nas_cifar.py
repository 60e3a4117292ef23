"""``load_cifar10`` on small CIFAR-10-format batches the test writes (nothing downloaded)."""

import pickle

import numpy as np
import pytest
import torch

from nasdemo.nas.data import CIFAR_MEAN, CIFAR_STD, load_cifar10
from nasdemo.nas.network import layers


def write_batches(folder, n: int = 6, seed: int = 0) -> dict[str, np.ndarray]:
    """data_batch_1..5 and test_batch of ``n`` random images each, as torchvision saves them."""
    rng = np.random.default_rng(seed)
    folder.mkdir(parents=True)
    written = {}
    for name in [f"data_batch_{k}" for k in range(1, 6)] + ["test_batch"]:
        data = rng.integers(0, 256, size=(n, 3072), dtype=np.uint8)
        labels = rng.integers(0, 10, size=n).tolist()
        with open(folder / name, "wb") as f:
            pickle.dump({b"data": data, b"labels": labels, b"batch_label": name.encode()}, f)
        written[name] = data
    return written


def test_load_cifar10_shapes_split_and_normalisation(tmp_path):
    written = write_batches(tmp_path / "cifar-10-batches-py")
    d = load_cifar10(tmp_path, n_val=10)
    assert d.x_train.shape == (20, 3, 32, 32) and d.x_val.shape == (10, 3, 32, 32)
    assert d.x_test.shape == (6, 3, 32, 32) and d.y_test.dtype == torch.long
    # the first test image, red plane, first row: (pixel / 255 - mean) / std
    raw = written["test_batch"][0, :32] / 255.0
    np.testing.assert_allclose(d.x_test[0, 0, 0].numpy(), (raw - CIFAR_MEAN[0]) / CIFAR_STD[0],
                               rtol=1e-5, atol=1e-5)
    # green plane starts at byte 1024
    raw_g = written["test_batch"][0, 1024:1056] / 255.0
    np.testing.assert_allclose(d.x_test[0, 1, 0].numpy(),
                               (raw_g - CIFAR_MEAN[1]) / CIFAR_STD[1], rtol=1e-5, atol=1e-5)
    # the folder itself works too, the split is fixed, n_val=0 keeps every image for search
    again = load_cifar10(tmp_path / "cifar-10-batches-py", n_val=10)
    assert torch.equal(again.x_val, d.x_val)
    assert load_cifar10(tmp_path, n_val=0).sizes() == (30, 0, 6)


def test_load_cifar10_errors(tmp_path):
    with pytest.raises(FileNotFoundError, match="no CIFAR-10 folder"):
        load_cifar10(tmp_path / "nowhere")
    folder = tmp_path / "cifar-10-batches-py"
    write_batches(folder)
    (folder / "data_batch_3").unlink()
    with pytest.raises(FileNotFoundError, match="data_batch_3 is missing"):
        load_cifar10(tmp_path)
    with open(folder / "data_batch_3", "wb") as f:
        pickle.dump({b"data": np.zeros((2, 100), np.uint8), b"labels": [0, 1]}, f)
    with pytest.raises(ValueError, match=r"data_batch_3: expected data of shape \[n, 3072\]"):
        load_cifar10(tmp_path)
    with open(folder / "data_batch_3", "wb") as f:
        pickle.dump({"x": 1}, f)
    with pytest.raises(ValueError, match="not a CIFAR-10 python batch"):
        load_cifar10(tmp_path)
    with open(folder / "data_batch_3", "wb") as f:
        pickle.dump({b"data": np.zeros((1, 3072), np.uint8), b"labels": [10]}, f)
    with pytest.raises(ValueError, match=r"labels must be in 0..9"):
        load_cifar10(tmp_path)
    with open(folder / "data_batch_3", "wb") as f:
        pickle.dump({b"data": np.zeros((6, 3072), np.uint8), b"labels": [0] * 6}, f)
    for bad in (-1, 30, 2.5, True):
        with pytest.raises(ValueError, match=r"n_val\b.* must be (a non-negative integer|an integer in)"):
            load_cifar10(tmp_path, n_val=bad)


def test_layer_classes_by_dims():
    assert layers(1)["conv"] is torch.nn.Conv1d and layers(2)["bn"] is torch.nn.BatchNorm2d
    for bad in (0, 3, True, "2"):
        with pytest.raises(ValueError, match="dims must be 1"):
            layers(bad)

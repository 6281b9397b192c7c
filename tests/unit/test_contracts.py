"""The custom import-linter contract (tests/contracts.py) that `make test` runs on the tree."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import grimp
import pytest

from tests.contracts import PrivateNamesContract


@pytest.fixture
def shop(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A throwaway package: `orders` and `billing` domains, each with a private helper."""
    root = tmp_path / "shop"
    for package in ("", "orders", "billing"):
        (root / package).mkdir(exist_ok=True)
        (root / package / "__init__.py").write_text("")
    (root / "billing" / "tax.py").write_text("def _rate():\n    return 0.2\n\nRATE = 0.2\n")
    (root / "billing" / "invoice.py").write_text("from shop.billing.tax import _rate\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    yield root
    for name in [name for name in sys.modules if name == "shop" or name.startswith("shop.")]:
        del sys.modules[name]


def check(package: str = "shop") -> list[str]:
    contract = PrivateNamesContract(
        "private names",
        session_options={},
        contract_options={"packages": [f"{package}.orders", f"{package}.billing"]},
    )
    result = contract.check(grimp.build_graph(package, cache_dir=None), verbose=False)
    assert result.kept == (not result.metadata["broken"])
    return list(result.metadata["broken"])


def test_a_private_name_used_inside_its_own_package_is_fine(shop: Path) -> None:
    assert check() == []


def test_a_private_name_imported_from_another_package_is_reported(shop: Path) -> None:
    orders = shop / "orders" / "checkout.py"
    orders.write_text(
        "from shop.billing.tax import (\n    RATE,\n    _rate,\n)\nfrom shop.billing import tax\n"
    )
    assert check() == ["shop.orders.checkout:1 imports _rate from shop.billing.tax"]


def test_public_names_and_dunders_across_packages_are_fine(shop: Path) -> None:
    orders = shop / "orders" / "checkout.py"
    orders.write_text("from shop.billing.tax import RATE\nfrom shop.billing import __name__\n")
    assert check() == []

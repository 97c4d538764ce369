"""Type stubs of the extension module under `spreiding` (python/src/lib.rs). The public API is
`spreiding` itself (python/python/spreiding/__init__.py, annotated and documented); these are
the native calls it makes. Tables travel as Arrow IPC streams (bytes), reports as JSON text."""

from typing import Any, List, Optional, Tuple

__version__: str

class InputError(ValueError):
    """Bad input; `problems` lists dicts with source, line, field and message."""

    problems: List[dict]

class NativeDataset:
    @property
    def path(self) -> str: ...
    @property
    def label(self) -> str: ...
    def cycle_json(self) -> str: ...
    def tables(self) -> Tuple[bytes, bytes, bytes]:
        """municipalities, provinces, locations (Arrow IPC streams)."""

class NativeRun:
    @property
    def total(self) -> int: ...
    def solve(self, start: int, end: int, jobs: int) -> Tuple[bytes, bytes, bytes]:
        """Scenarios start..end: municipalities, provinces, scenarios (Arrow IPC streams)."""
    def compare(self, baseline: Optional[str] = None) -> Tuple[bytes, bytes, str]:
        """municipalities, metrics (Arrow IPC streams), the baseline's id."""

def load_dataset(path: str) -> NativeDataset: ...
def solve(scenario: Any, dataset: Optional[NativeDataset] = None) -> Tuple[str, bytes, bytes]:
    """report JSON, municipalities, provinces."""
def explain(
    scenario: Any,
    municipality: str,
    commodity: str = "regular",
    what_if: bool = False,
    dataset: Optional[NativeDataset] = None,
) -> Tuple[str, str]:
    """Dutch text, JSON."""
def what_if(
    scenario: Any,
    municipality: Optional[str] = None,
    province: Optional[str] = None,
    dataset: Optional[NativeDataset] = None,
) -> str: ...
def objection_replay(scenario: Any, claims: List[Any], dataset: Optional[NativeDataset] = None) -> Tuple[str, str]: ...
def run(inputs: List[Any], max_scenarios: Optional[int] = None, dataset: Optional[NativeDataset] = None) -> NativeRun: ...
def internal_panic_for_tests() -> None: ...

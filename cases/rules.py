# rules' autodiscovery imports <app>.rules; the predicates live in cases.access.
from cases import access  # noqa: F401

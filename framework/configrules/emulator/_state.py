"""What the emulator remembers: inventory, stored evaluations, requests, nonces."""

from __future__ import annotations

import json
import secrets
import threading
from collections import OrderedDict
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import attrs

from .._events import items_in_document, resource_from_item
from .._models import Resource

__all__ = ["EmulatorState", "RecordedRequest", "StoredEvaluation"]

ResourceKey = tuple[str, str, str]  # (type, id, region)


@attrs.frozen
class StoredEvaluation:
    """An evaluation as the emulator stored it.

    Attributes:
        rule: the rule the result token belongs to (the token itself if unknown).
        result_token: the token of the call that stored it last.
        evaluation: the evaluation object exactly as received.
    """

    rule: str
    result_token: str = attrs.field(repr=False)
    evaluation: Mapping[str, Any]

    @property
    def key(self) -> ResourceKey:
        e = self.evaluation
        return (
            str(e["complianceResourceType"]),
            str(e["complianceResourceId"]),
            str(e.get("complianceRegionId", "")),
        )


@attrs.frozen
class RecordedRequest:
    """One request the emulator received (accepted or not).

    Attributes:
        action: the API action, ``""`` when unknown.
        params: every parameter (query and form body), secrets included: this
            is a test double, never a production log.
        signature_version: ``"v3"``, ``"v2"`` or ``""``.
        status: the HTTP status answered.
        code: the error code answered, ``""`` on success.
    """

    action: str
    params: Mapping[str, str]
    signature_version: str
    status: int
    code: str = ""


class EmulatorState:
    """Thread-safe state shared by the emulator's request handlers."""

    def __init__(self, max_requests_kept: int = 10_000) -> None:
        self.lock = threading.RLock()
        self._inventory: dict[ResourceKey, Resource] = {}
        # type -> keys in insertion order: pages are cut per type without scans.
        self._by_type: dict[str, list[ResourceKey]] = {}
        self._deleted_count = 0
        self._token_rules: dict[str, str] = {}
        self._stored: dict[str, OrderedDict[ResourceKey, StoredEvaluation]] = {}
        self._nonces: set[str] = set()
        self.requests: list[RecordedRequest] = []
        self._max_requests = max_requests_kept

    # --- inventory ----------------------------------------------------------

    def add_resources(self, resources: Iterable[Resource | Mapping[str, Any]]) -> int:
        """Add resources (objects, FC configuration items or API-shaped dicts)."""
        count = 0
        with self.lock:
            for resource in resources:
                if not isinstance(resource, Resource):
                    resource = resource_from_item(dict(resource), "inventory item")
                key = (resource.type, resource.id, resource.region_id)
                previous = self._inventory.get(key)
                if previous is None:
                    self._by_type.setdefault(resource.type, []).append(key)
                elif previous.deleted:
                    self._deleted_count -= 1
                self._deleted_count += resource.deleted
                self._inventory[key] = resource
                count += 1
        return count

    def load_inventory(self, path: str | Path) -> int:
        """Load a JSON file (an item, a list of items, or an FC event), JSON Lines, or a directory."""
        path = Path(path)
        if path.is_dir():
            return sum(
                self.load_inventory(p)
                for p in sorted(path.rglob("*"))
                if p.suffix in (".json", ".jsonl")
            )
        if path.suffix == ".jsonl":
            with path.open(encoding="utf-8") as handle:
                return self.add_resources(json.loads(line) for line in handle if line.strip())
        document = json.loads(path.read_text(encoding="utf-8"))
        return self.add_resources(items_in_document(document))

    def get_resource(self, resource_type: str, resource_id: str, region: str) -> Resource | None:
        with self.lock:
            return self._inventory.get((resource_type, resource_id, region))

    def resource_count(self) -> int:
        with self.lock:
            return len(self._inventory)

    def page(
        self,
        types: list[str] | None,
        regions: set[str] | None,
        deleted: bool,
        cursor: tuple[int, int],
        size: int,
    ) -> tuple[list[Resource], tuple[int, int] | None, int]:
        """One page: (resources, next cursor or None, total matching count)."""
        with self.lock:
            type_order = (
                sorted(self._by_type) if not types else [t for t in types if t in self._by_type]
            )
            found: list[Resource] = []
            type_index, position = cursor
            while type_index < len(type_order) and len(found) < size:
                keys = self._by_type[type_order[type_index]]
                while position < len(keys) and len(found) < size:
                    resource = self._inventory[keys[position]]
                    position += 1
                    if resource.deleted != deleted:
                        continue
                    if regions and resource.region_id not in regions:
                        continue
                    found.append(resource)
                if position >= len(keys):
                    type_index, position = type_index + 1, 0
            more = type_index < len(type_order)
            return (
                found,
                (type_index, position) if more else None,
                self._total(type_order, regions, deleted),
            )

    def _total(self, type_order: list[str], regions: set[str] | None, deleted: bool) -> int:
        if not regions and not self._deleted_count and not deleted:
            # The common case stays O(types), so paging a million resources is linear.
            return sum(len(self._by_type[t]) for t in type_order)
        return sum(
            1
            for t in type_order
            for k in self._by_type[t]
            if self._inventory[k].deleted == deleted
            and (not regions or self._inventory[k].region_id in regions)
        )

    # --- tokens and evaluations ---------------------------------------------

    def issue_result_token(self, rule: str) -> str:
        """A fresh result token for one run of ``rule`` (DeleteMode is per rule)."""
        token = secrets.token_urlsafe(24)
        with self.lock:
            self._token_rules[token] = rule
        return token

    def rule_of(self, token: str) -> str:
        with self.lock:
            return self._token_rules.get(token, token)

    def store(self, token: str, evaluations: list[Mapping[str, Any]], delete_mode: bool) -> None:
        """Store a call's evaluations; with ``delete_mode``, forget the rule's
        results that no call with this token updated."""
        rule = self.rule_of(token)
        with self.lock:
            table = self._stored.setdefault(rule, OrderedDict())
            for evaluation in evaluations:
                stored = StoredEvaluation(rule, token, dict(evaluation))
                table[stored.key] = stored
            if delete_mode:
                for key in [k for k, v in table.items() if v.result_token != token]:
                    del table[key]

    def evaluations(
        self, rule: str | None = None, token: str | None = None
    ) -> list[StoredEvaluation]:
        """Stored evaluations, optionally of one rule or last stored with one token."""
        with self.lock:
            empty: OrderedDict[ResourceKey, StoredEvaluation] = OrderedDict()
            tables = (
                [self._stored.get(rule, empty)] if rule is not None else list(self._stored.values())
            )
            found = [s for table in tables for s in table.values()]
        if token is not None:
            found = [s for s in found if s.result_token == token]
        return found

    def use_nonce(self, nonce: str) -> bool:
        """Record ``nonce``; False when it was seen before."""
        with self.lock:
            if nonce in self._nonces:
                return False
            self._nonces.add(nonce)
            return True

    def record(self, request: RecordedRequest) -> None:
        with self.lock:
            self.requests.append(request)
            if len(self.requests) > self._max_requests:
                del self.requests[: len(self.requests) - self._max_requests]

    def reset(self, *, inventory: bool = False) -> None:
        """Forget evaluations, requests, nonces and tokens (and the inventory if asked)."""
        with self.lock:
            self._stored.clear()
            self.requests.clear()
            self._nonces.clear()
            self._token_rules.clear()
            if inventory:
                self._inventory.clear()
                self._by_type.clear()
                self._deleted_count = 0


def resource_to_api(resource: Resource, *, with_configuration: bool) -> dict[str, Any]:
    """The PascalCase shape of the discovery API (Configuration/Tags as JSON strings)."""
    account = resource.account_id
    document: dict[str, Any] = {
        "AccountId": int(account) if account and account.isdigit() else (account or 0),
        "AvailabilityZone": resource.availability_zone,
        "Region": resource.region_id,
        "ResourceCreationTime": resource.creation_time or 0,
        "ResourceDeleted": 0 if resource.deleted else 1,
        "ResourceId": resource.id,
        "ResourceName": resource.name,
        "ResourceStatus": resource.status,
        "ResourceType": resource.type,
        "Tags": json.dumps(dict(resource.tags), separators=(",", ":"), ensure_ascii=False),
    }
    if with_configuration:
        document["Configuration"] = json.dumps(
            dict(resource.configuration), separators=(",", ":"), ensure_ascii=False
        )
        document["ComplianceType"] = ""
    else:
        document["Version"] = 1
        document["UpdateTime"] = resource.capture_time or 0
    return document

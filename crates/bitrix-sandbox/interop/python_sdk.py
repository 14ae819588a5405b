"""Interop checks: the official Python SDK (b24pysdk) against a b24-sandbox.

Run by crates/bitrix-sandbox/tests/interop.rs, which starts two sandboxes in TLS mode and
passes their webhook URLs in B24_WEBHOOK (no limits) and B24_LIMITED_WEBHOOK (a tiny
leaky bucket), with REQUESTS_CA_BUNDLE pointing at the sandbox certificate.
Only the SDK's public API is used; nothing in the SDK is patched.
"""

import os
import sys
import time
import traceback
from urllib.parse import urlsplit

from b24pysdk import BitrixWebhook, Client
from b24pysdk.errors import BitrixAPIBadRequest, BitrixAPIQueryLimitExceeded


def client_for(url, **options):
    parts = urlsplit(url)
    user_id, code = parts.path.strip("/").split("/")[1:3]
    token = BitrixWebhook(domain=parts.netloc, webhook_token=f"{user_id}/{code}")
    return Client(token, **options)


def check_list_with_paging(client):
    first = client.crm.deal.list(select=["ID", "TITLE"], order={"ID": "ASC"}).response
    assert first.total >= 60, first.total
    assert first.next == 50, first.next
    assert len(first.result) == 50
    every = list(client.crm.deal.list(select=["ID", "TITLE"]).as_list().result)
    assert len(every) == first.total, (len(every), first.total)
    fast = list(client.crm.deal.list(select=["ID"]).as_list_fast().result)
    assert [int(d["ID"]) for d in fast] == sorted(int(d["ID"]) for d in every)
    items = list(client.crm.item.list(entity_type_id=2, select=["id", "title"]).as_list_fast().result)
    assert len(items) == first.total, len(items)


def check_batch(client):
    batch = client.call_batch({
        "me": client.user.current(),
        "deal": client.crm.deal.get(bitrix_id=1),
        "deals": client.crm.deal.list(select=["ID"], filter={">OPPORTUNITY": 1000}),
        "missing": client.crm.deal.get(bitrix_id=999999),
    })
    result = batch.result
    assert result.result["me"]["ID"] == "1", result.result["me"]
    assert result.result["deal"]["ID"] == "1"
    assert result.result_total["deals"] > 0
    assert result.result_error["missing"]["error_description"] == "Not found"
    assert "me" in result.result_time


def check_deal_lifecycle(client):
    deal_id = client.crm.deal.add(fields={"TITLE": "Interop: Python SDK", "OPPORTUNITY": 12345}).result
    assert isinstance(deal_id, int), deal_id
    deal = client.crm.deal.get(bitrix_id=deal_id).result
    assert deal["TITLE"] == "Interop: Python SDK"
    assert deal["OPPORTUNITY"] == "12345.00"
    assert client.crm.deal.update(bitrix_id=deal_id, fields={"STAGE_ID": "EXECUTING"}).result is True
    assert client.crm.deal.get(bitrix_id=deal_id).result["STAGE_ID"] == "EXECUTING"
    assert client.crm.deal.delete(bitrix_id=deal_id).result is True


def check_missing_entity(client):
    try:
        client.crm.deal.get(bitrix_id=999999).result
    except BitrixAPIBadRequest as error:
        assert error.status_code == 400, error.status_code
        assert error.error_description == "Not found", error.error_description
    else:
        raise AssertionError("a missing deal must raise")


def check_rate_limit(url):
    # The SDK retries a 503 after a pause; with the bucket draining it recovers.
    patient = client_for(url, max_retries=5, initial_retry_delay=0.6, retry_delay_increment=0.3)
    started = time.monotonic()
    for _ in range(6):
        assert patient.server.time().result
    assert time.monotonic() - started >= 0.5, "at least one retry pause"
    # With no retries left the SDK surfaces the cloud's error class.
    hasty = client_for(url, max_retries=1)
    seen = None
    for _ in range(10):
        try:
            hasty.server.time().result
        except BitrixAPIQueryLimitExceeded as error:
            seen = error
            break
    assert seen is not None, "the limit was never hit"
    assert seen.status_code == 503
    assert seen.error == "QUERY_LIMIT_EXCEEDED"


def main():
    client = client_for(os.environ["B24_WEBHOOK"])
    checks = [
        ("list with paging", lambda: check_list_with_paging(client)),
        ("batch", lambda: check_batch(client)),
        ("deal add/get/update/delete", lambda: check_deal_lifecycle(client)),
        ("missing entity", lambda: check_missing_entity(client)),
        ("rate limit", lambda: check_rate_limit(os.environ["B24_LIMITED_WEBHOOK"])),
    ]
    failed = 0
    for name, check in checks:
        try:
            check()
            print(f"ok: {name}")
        except Exception:  # noqa: BLE001 - report every failure with its trace
            failed += 1
            print(f"FAILED: {name}")
            traceback.print_exc(file=sys.stdout)
    print(f"python sdk: {len(checks) - failed} of {len(checks)} checks passed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

"""`/contacts/import`: contacts in bulk from a CSV file, previewed line by line, then imported.

The upload answers with the preview: what each line becomes and every refused
line with its reason. The confirmation sends the file back (base64 in the form,
so any process behind a load balancer can take it: nothing is kept between the
two steps), and the import runs a batch of lines per write, as the command does.
"""

from __future__ import annotations

import base64
import binascii
from functools import partial

from fastapi import APIRouter, Request
from fastapi.responses import Response
from starlette.datastructures import UploadFile

from tvox_journey.live.broadcaster import Change
from tvox_journey.services import contacts_import
from tvox_journey.transfer.contacts_csv import ContactsCsv, CsvError, LineProblem, read_contacts_csv
from tvox_journey.web.deps import Resources, ResourcesDep
from tvox_journey.web.pages.common import CSRF, Agent, publish
from tvox_journey.web.pages.render import render

router = APIRouter(include_in_schema=False)

MAX_FILE_BYTES = 2 * 1024 * 1024  # about 50,000 lines; larger files: `tvox-journey contacts import`
MAX_BODY_BYTES = MAX_FILE_BYTES * 4 // 3 + 64 * 1024  # the confirmation carries the file in base64
PREVIEW_LINES = 20
SHOWN_PROBLEMS = 100


def _page(request: Request, status_code: int = 200, **context: object) -> Response:
    values: dict[str, object] = {
        "nav": "contacts", "max_mib": MAX_FILE_BYTES // 1024 // 1024, "error": None, "detail": None,
        "result": None, "read": None, "preview": [], "problems": [], "name": "", "content": None,
        "done": False,
    }  # fmt: skip
    return render(request, "contacts/import.html", values | context, status_code=status_code)


async def _file(request: Request) -> tuple[bytes, str] | str:
    """The file sent (upload or confirmation) and its name, or the key of what is wrong."""
    form = await request.form()
    upload, content = form.get("file"), form.get("content")
    if isinstance(upload, UploadFile) and upload.filename:
        data = await upload.read(MAX_FILE_BYTES + 1)
        name = upload.filename
    elif isinstance(content, str) and content:
        try:
            data = base64.urlsafe_b64decode(content.encode("ascii"))
        except (binascii.Error, UnicodeEncodeError):
            return "import.error_no_file"
        name = str(form.get("name") or "")
    else:
        return "import.error_no_file"
    if len(data) > MAX_FILE_BYTES:
        return "import.error_too_large"
    return data, name[:200]


@router.get("/contacts/import")
def import_form(request: Request, user: Agent) -> Response:
    """Choose a CSV file of contacts."""
    return _page(request)


@router.post("/contacts/import", dependencies=CSRF)
async def import_contacts(request: Request, resources: ResourcesDep, user: Agent) -> Response:
    """The preview of a file, or (confirmed) its import."""
    sent = await _file(request)
    if isinstance(sent, str):
        return _page(request, 422, error=sent)
    data, name = sent
    try:
        read = read_contacts_csv(data)
    except CsvError as error:
        return _page(request, 422, error="import.error_not_csv", detail=str(error), name=name)
    confirmed = (await request.form()).get("confirm") == "1"
    if confirmed:
        result = await _import(resources, read, name, user.username)
        return _page(request, result=result, problems=_shown(result), name=name, done=True)
    with resources.db.read.connect() as conn:
        result = contacts_import.plan(conn, read.lines, resources.policy)
    result.problems = list(read.problems) + result.problems
    return _page(
        request,
        result=result,
        problems=_shown(result),
        preview=result.planned[:PREVIEW_LINES],
        name=name,
        content=base64.urlsafe_b64encode(data).decode("ascii"),
        read=read,
    )


def _shown(result: contacts_import.ImportResult) -> list[LineProblem]:
    return sorted(result.problems, key=lambda p: p.line)[:SHOWN_PROBLEMS]


async def _import(
    resources: Resources, read: ContactsCsv, name: str, actor: str
) -> contacts_import.ImportResult:
    now = resources.now()
    policy = resources.policy
    result = contacts_import.ImportResult(problems=list(read.problems))
    for start in range(0, len(read.lines), contacts_import.BATCH):
        batch = read.lines[start : start + contacts_import.BATCH]
        write = partial(contacts_import.import_batch, lines=batch, policy=policy, now=now)
        result.merge(await resources.writer.run(write))
    seq = await resources.writer.run(
        lambda conn: contacts_import.record_import(conn, result, source=name, actor=actor, now=now)
    )
    publish(resources, Change(seq, kind="contact"))
    return result

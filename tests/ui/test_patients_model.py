from __future__ import annotations

from PySide6.QtCore import Qt

from frontdesk.ui.models.patients_model import (
    COL_DOB,
    COL_NAME,
    COL_PHONE,
    COL_STATUS,
    PATIENT_ID_ROLE,
    PatientTableModel,
)
from tests.conftest import NOW


def make(clinic, page_size=100) -> PatientTableModel:
    model = PatientTableModel(clinic.patients, lambda: NOW.date(), page_size=page_size)
    model.reload()
    return model


def test_model_passes_qt_model_tester(qtmodeltester, demo) -> None:
    model = make(demo, page_size=10)
    qtmodeltester.check(model, force_py=True)
    model.set_search("gar")
    qtmodeltester.check(model, force_py=True)


def test_rows_arrive_a_page_at_a_time(demo) -> None:
    model = make(demo, page_size=10)
    assert model.rowCount() == 10 and model.canFetchMore()
    model.fetchMore()
    assert model.rowCount() == 20
    while model.canFetchMore():
        model.fetchMore()
    assert model.rowCount() == demo.patients.count()
    ids = [model.index(r, COL_NAME).data(PATIENT_ID_ROLE) for r in range(model.rowCount())]
    assert len(set(ids)) == len(ids)


def test_cells_show_what_the_desk_reads(demo) -> None:
    model = make(demo)
    model.set_search("3/14/1985")
    assert model.rowCount() == 1
    assert model.index(0, COL_NAME).data() == "García, María"
    assert model.index(0, COL_DOB).data() == "03/14/1985 (41)"
    assert model.index(0, COL_PHONE).data() == "(818) 555-0134"
    assert model.index(0, COL_STATUS).data() == "Active"


def test_sorting_by_header_requeries(demo) -> None:
    model = make(demo)
    model.sort(COL_DOB, Qt.SortOrder.DescendingOrder)
    dobs = [model.patient_at(r).dob for r in range(model.rowCount())]
    assert dobs == sorted(dobs, reverse=True)


def test_archived_rows_only_when_asked(demo, desk) -> None:
    model = make(demo)
    visible = demo.patients.count()
    while model.canFetchMore():
        model.fetchMore()
    assert model.rowCount() == visible
    model.set_include_archived(True)
    while model.canFetchMore():
        model.fetchMore()
    assert model.rowCount() == demo.patients.count(include_archived=True)
    archived = [
        model.patient_at(r) for r in range(model.rowCount()) if model.patient_at(r).archived
    ]
    assert archived and model.index(model.row_of(archived[0].id), COL_STATUS).data() == "Archived"

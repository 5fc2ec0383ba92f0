"""The DfE statutory returns made from the live record: the SSDA903 (children looked
after) tables and the CIN census message, streamed from the graph a page of children at
a time; either run as a job with its state in the graph (`returns.jobs`)."""

from __future__ import annotations

from returns.entry_checks import (
    CIN_RULES,
    SSDA903_RULES,
    DataWarning,
    EntryRule,
    entry_warnings,
    looked_after_child,
)
from returns.jobs import (
    JobState,
    ReturnKind,
    ReturnRequest,
    fail_stalled_jobs,
    job_of,
    job_warnings,
    mark_files_not_carried,
    refused_year,
    remove_old_files,
    remove_orphan_folders,
    run_job,
    start_job,
)
from returns.ssda903 import TABLES as SSDA903_TABLES
from returns.writer import (
    PAGE,
    CensusWritten,
    Written,
    looked_after_children,
    write_cin_census,
    write_ssda903,
)
from returns.year_end import ReturnWarning, ssda903_warnings
from returns.years import CollectionYear

__all__ = [
    "CIN_RULES",
    "PAGE",
    "SSDA903_RULES",
    "SSDA903_TABLES",
    "CensusWritten",
    "CollectionYear",
    "DataWarning",
    "EntryRule",
    "JobState",
    "ReturnKind",
    "ReturnRequest",
    "ReturnWarning",
    "Written",
    "entry_warnings",
    "fail_stalled_jobs",
    "job_of",
    "job_warnings",
    "looked_after_child",
    "looked_after_children",
    "mark_files_not_carried",
    "refused_year",
    "remove_old_files",
    "remove_orphan_folders",
    "run_job",
    "ssda903_warnings",
    "start_job",
    "write_cin_census",
    "write_ssda903",
]

"""What both returns say of a child's characteristics when the record holds none."""

from __future__ import annotations

from typing import Any

from workflow.codes import Ethnicity


def ethnicity_as_returned(child: dict[str, Any]) -> str:
    """The child's ethnicity code, or NOBT ("information not yet obtained") while none is
    recorded: both returns require one (CIN census XSD, SSDA903 rule 103), and NOBT is
    the DfE's code for a child, born or unborn, whose family has not been asked yet."""
    return str(child.get("ethnicity") or Ethnicity.NOBT_INFORMATION_NOT_YET_OBTAINED.value)

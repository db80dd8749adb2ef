import pytest

from casework.constants import Stage
from casework.models import AgreementKind

from ..scenarios import approve_by_every_party, bring_to, submit_agreement


@pytest.fixture(autouse=True)
def media_in_tmp(settings, tmp_path):
    """Stored documents go to a folder of this test, never into the project."""
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def concluded_version(world):
    """The own location's heads of agreement, approved by both parties."""
    bring_to(
        world.own,
        Stage.NEGOTIATION,
        case_manager=world.case_manager,
        ministry=world.ministry,
    )
    version = submit_agreement(
        world.own, world.case_manager, AgreementKind.HEADS_OF_AGREEMENT
    )
    approve_by_every_party(version, world.own)
    version.refresh_from_db()
    return version

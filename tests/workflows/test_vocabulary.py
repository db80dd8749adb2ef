"""One vocabulary (`workflows.constants`): the flows by the references viewflow stores,
the kinds of human task by their nodes' names, the API's name of each kind, and one
handler per kind. Held to the flows themselves, so a renamed node or a moved flow
fails here before it strands a running process."""

from __future__ import annotations

from viewflow.workflow.fields import get_flow_ref

from workflows import constants
from workflows.services import TASK_HANDLERS, flow_classes


def human_nodes():
    return [
        node
        for flow_class in flow_classes()
        for node in flow_class.instance.nodes()
        if getattr(node, "task_type", None) == "HUMAN"
    ]


def test_the_flows_are_named_as_viewflow_stores_them():
    assert tuple(get_flow_ref(flow_class) for flow_class in flow_classes()) == (
        constants.FLOWS
    )
    assert set(constants.BRANCH_FLOWS) <= set(constants.FLOWS)


def test_every_human_task_has_one_kind_one_api_name_and_one_handler():
    names = [node.name for node in human_nodes()]
    # The node's name is the kind: unique over every flow.
    assert sorted(names) == sorted(set(names)) == sorted(constants.TASK_KINDS)
    assert set(constants.API_KIND) == set(constants.TASK_KINDS)
    assert {value for value, _label in constants.TaskKind.choices} == set(
        constants.API_KIND.values()
    )
    assert set(TASK_HANDLERS) == set(constants.TASK_KINDS)
    assert set(constants.ESCALATION_KINDS) == {
        node.name
        for node in human_nodes()
        if get_flow_ref(node.flow_class) in constants.BRANCH_FLOWS
    }

"""The project's URLs plus viewflow's own inbox over our flows, unchanged, at
`/bare/workflow/inbox/`: the baseline of the page timings."""

from django.urls import path
from viewflow.urls import Site
from viewflow.workflow.flow.viewset import FlowViewset, WorkflowAppViewset

from config.urls import handler400, handler500  # noqa: F401 - the project's handlers
from config.urls import urlpatterns as project_urlpatterns
from workflows.flows import ApprovalRoundFlow, BottleneckActionFlow

bare_site = Site(
    title="Bare viewflow",
    viewsets=[
        WorkflowAppViewset(
            flow_viewsets=[
                FlowViewset(ApprovalRoundFlow),
                FlowViewset(BottleneckActionFlow),
            ]
        )
    ],
)

urlpatterns = [path("bare/", bare_site.urls), *project_urlpatterns]

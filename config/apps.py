from django.contrib.staticfiles.apps import StaticFilesConfig as BaseStaticFilesConfig


class StaticFilesConfig(BaseStaticFilesConfig):
    """Django's static files without the `node_modules` folders that viewflow ships
    inside its static files. Nothing links to them, and one of them is broken:
    `roboto-fontface/css/roboto/roboto-fontface.css` names font files beside it that
    are not there, so the hashing storage of production refused to collect anything
    (and every page answered 500). The fonts the pages do use are in
    `viewflow/fonts/roboto/`, next to the stylesheet that names them."""

    ignore_patterns = [*BaseStaticFilesConfig.ignore_patterns, "node_modules"]

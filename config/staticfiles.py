from django.contrib.staticfiles.finders import AppDirectoriesFinder


class AppStaticFilesFinder(AppDirectoriesFinder):
    """The apps' static files without the `node_modules` folders that viewflow ships
    inside its own. Nothing links to them, and one of them is broken:
    `roboto-fontface/css/roboto/roboto-fontface.css` names font files beside it that
    are not there, so production's hashing storage refused to collect anything (and
    every page answered 500). The fonts the pages use are in `viewflow/fonts/roboto/`,
    next to the stylesheet that names them. Only listing (collectstatic) skips them;
    finding one file by its name is unchanged."""

    def list(self, ignore_patterns):
        return super().list([*(ignore_patterns or []), "node_modules"])

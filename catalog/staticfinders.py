"""Static files finder for the one jQuery UI file the admin's translation tabs need.

The packaged jQuery UI also ships theme CSS that points at images it does not include, which would make
`collectstatic` with the manifest storage fail; so only the script is exposed, as jquery-ui/<file>.
"""

from django.contrib.staticfiles.finders import BaseFinder
from django.core.files.storage import FileSystemStorage
from xstatic.pkg import jquery_ui


class JqueryUiFinder(BaseFinder):
    prefix = "jquery-ui"
    files = ("jquery-ui.min.js",)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.storage = FileSystemStorage(location=jquery_ui.BASE_DIR)
        self.storage.prefix = self.prefix

    def check(self, **kwargs) -> list:
        return []

    def find(self, path, find_all=False, **kwargs):
        find_all = find_all or kwargs.get("all", False)
        for name in self.files:
            if path == f"{self.prefix}/{name}":
                found = self.storage.path(name)
                return [found] if find_all else found
        return [] if find_all else None

    def list(self, ignore_patterns):
        for name in self.files:
            yield name, self.storage

"""Media storage for gift icons/images: a stored value may be a partner's absolute URL, served as is."""

from django.core.files.storage import FileSystemStorage


class GiftMediaStorage(FileSystemStorage):
    def url(self, name: str | None) -> str:
        if name and name.startswith(("http://", "https://")):
            return name
        return super().url(name)

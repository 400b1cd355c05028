from django.core.management.base import BaseCommand, CommandError

from catalog.services.api_keys import create_api_key, get_or_create_partner


class Command(BaseCommand):
    help = "Create an API key for a partner (creating the partner if needed). The key is the last line."

    def add_arguments(self, parser) -> None:
        parser.add_argument("name", help="partner name")
        parser.add_argument("--write", action="store_true", help="allow creating and changing gifts")
        parser.add_argument("--label", default="", help="what the key is for (shown in the admin)")

    def handle(self, *args, name: str, write: bool, label: str, **options) -> None:
        try:
            partner, created = get_or_create_partner(name=name)
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        issued = create_api_key(partner=partner, can_write=write, name=label)
        self.stdout.write(f"Partner: {partner.name} ({'created' if created else 'existing'})")
        self.stdout.write(
            f"Access: {'read and write' if write else 'read-only'}; prefix {issued.api_key.prefix}"
        )
        self.stdout.write("API key (shown only now; send it as 'Authorization: Api-Key <key>'):")
        self.stdout.write(issued.plain_key)

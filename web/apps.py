from django.apps import AppConfig


class WebConfig(AppConfig):
    """The shared web and API kit: plumbing every app's pages and endpoints use. It sits
    below every domain app and imports none of them."""

    name = "web"
    verbose_name = "Web and API kit"

from django import template

register = template.Library()


@register.filter
def get_item(mapping, key):
    return mapping.get(key) if mapping else None


@register.simple_tag(takes_context=True)
def query_replace(context, **changes):
    """The current query string with some parameters replaced (for pagination links)."""
    params = context["request"].GET.copy()
    for key, value in changes.items():
        params[key] = value
    return params.urlencode()


@register.filter
def may_open(user, url_name: str) -> bool:
    """``{% if user|may_open:"org:staff_detail" %}``: show a link only to roles its page admits."""
    from xiaoneng.web.decorators import user_may_open

    return user_may_open(user, url_name)

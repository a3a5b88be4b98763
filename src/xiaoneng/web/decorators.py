from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied


def office_required(*roles: str):
    """Staff pages: log in first; then only the given roles (any office role when none given)."""

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            user = request.user
            if not user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not user.may_use_office or (roles and user.effective_role not in roles):
                raise PermissionDenied("您的角色无权使用此页面")
            return view(request, *args, **kwargs)

        return wrapped

    return decorator

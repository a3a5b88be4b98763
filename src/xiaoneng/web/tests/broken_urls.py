"""A URLconf with a view that fails, to see the 500 page as a user would."""

from django.urls import include, path


def broken(request):
    raise RuntimeError("boom")


urlpatterns = [path("broken/", broken), path("", include("xiaoneng.urls"))]
handler500 = "xiaoneng.web.views.error_500"

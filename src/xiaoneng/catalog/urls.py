from django.urls import path

from . import views

app_name = "catalog"
urlpatterns = [
    # Public: the service guide (办事指南), no login.
    path("guide/", views.guide_search, name="guide"),
    path("guide/<str:code>/", views.guide_item, name="guide_item"),
    # Office: the catalog (事项目录).
    path("office/catalog/", views.item_list, name="item_list"),
    path("office/catalog/new/", views.item_new, name="item_new"),
    path("office/catalog/import/", views.catalog_import, name="import"),
    path("office/catalog/export.xlsx", views.catalog_export, name="export"),
    path("office/catalog/<int:pk>/", views.item_detail, name="item_detail"),
    path("office/catalog/<int:pk>/edit/", views.item_edit, name="item_edit"),
    path("office/catalog/<int:pk>/publish/", views.version_publish, name="version_publish"),
    path("office/catalog/<int:pk>/toggle/", views.item_toggle, name="item_toggle"),
    path(
        "office/catalog/<int:pk>/versions/<int:number>/withdraw/",
        views.version_withdraw,
        name="version_withdraw",
    ),
]

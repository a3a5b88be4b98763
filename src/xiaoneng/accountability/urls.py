from django.urls import path

from . import views

app_name = "accountability"
office = "office/accountability/"
urlpatterns = [
    path("accountability/", views.public_list, name="public_list"),
    path(office, views.board, name="board"),
    path(f"{office}sources/", views.candidates, name="candidates"),
    path(f"{office}sources/intake/", views.start_intake, name="start_intake"),
    path(f"{office}sources/<str:cause>/<int:source_id>/", views.open_source, name="open"),
    path(f"{office}stats/", views.stats, name="stats"),
    path(f"{office}stats/export.xlsx", views.export, name="export"),
    path(f"{office}rules/", views.rules, name="rules"),
    path(f"{office}rules/add/", views.rule_add, name="rule_add"),
    path(f"{office}rules/leadership/", views.leadership, name="leadership"),
    path(f"{office}rules/<int:pk>/", views.rule_edit, name="rule_edit"),
    path(f"{office}rules/<int:pk>/delete/", views.rule_delete, name="rule_delete"),
    path(f"{office}me/", views.my_file, name="my_file"),
    path(f"{office}people/<int:staff_id>/", views.person_file, name="file"),
    path(f"{office}<int:pk>/", views.detail, name="detail"),
    path(f"{office}<int:pk>/do/<str:action>/", views.act, name="act"),
    path(f"{office}<int:pk>/decision.docx", views.decision_document, name="document"),
]

from django.urls import path

from . import views

app_name = "inspections"
office = "office/inspections/"
urlpatterns = [
    path(office, views.plans, name="plans"),
    path(f"{office}sw.js", views.service_worker, name="service_worker"),
    path(f"{office}checklist/", views.checklist, name="checklist"),
    path(f"{office}checklist/<int:pk>/", views.item_edit, name="item_edit"),
    path(f"{office}new/", views.plan_new, name="plan_new"),
    path(f"{office}observe/", views.observe, name="observe"),
    path(f"{office}<int:pk>/", views.plan, name="plan"),
    path(f"{office}<int:pk>/bulletin/", views.plan_bulletin, name="bulletin"),
    path(f"{office}<int:pk>/bulletin.docx", views.plan_bulletin_docx, name="bulletin_docx"),
    path(f"{office}visits/<int:pk>/", views.visit, name="visit"),
    path(f"{office}visits/<int:pk>/record/", views.record, name="record"),
    path(f"{office}visits/<int:pk>/submit/", views.submit, name="submit"),
    path(f"{office}findings/<int:pk>/do/<str:action>/", views.finding_act, name="finding_act"),
    path(f"{office}photos/<int:pk>/", views.photo, name="photo"),
]

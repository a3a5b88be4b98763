from django.urls import path

from . import views, views_answer, views_public

app_name = "evaluation"
office = "office/evaluations/"
urlpatterns = [
    # Public
    path("evaluations/", views_public.public_list, name="public_list"),
    path("evaluations/answer/", views_answer.answer, name="answer"),
    path("evaluations/redo_draw.py", views_public.redo_script, name="redo_script"),
    path("evaluations/redo_tally.py", views_public.redo_tally_script, name="redo_tally_script"),
    path("evaluations/<int:pk>/", views_public.public_detail, name="public_detail"),
    path("evaluations/<int:pk>/roster.csv", views_public.roster_file, name="roster_file"),
    path("evaluations/<int:pk>/quotas.json", views_public.quotas_file, name="quotas_file"),
    path("evaluations/<int:pk>/results.xlsx", views_public.public_export, name="public_export"),
    # Office
    path(office, views.campaign_list, name="list"),
    path(f"{office}new/", views.campaign_new, name="new"),
    path(f"{office}mine/", views.my_results, name="mine"),
    path(f"{office}<int:pk>/", views.campaign_detail, name="detail"),
    path(f"{office}<int:pk>/stage/", views.campaign_stage, name="stage"),
    path(f"{office}<int:pk>/edit/", views.campaign_edit, name="edit"),
    path(f"{office}<int:pk>/form/", views.campaign_form, name="form"),
    path(f"{office}<int:pk>/strata/", views.campaign_strata, name="strata"),
    path(f"{office}<int:pk>/units/", views.campaign_units, name="units"),
    path(f"{office}<int:pk>/weights/", views.campaign_weights, name="weights"),
    path(f"{office}<int:pk>/pool/", views.campaign_pool, name="pool"),
    path(f"{office}<int:pk>/pool/template.xlsx", views.pool_template, name="pool_template"),
    path(f"{office}<int:pk>/draw/", views.campaign_draw, name="draw"),
    path(f"{office}<int:pk>/codes/", views.campaign_codes, name="codes"),
    path(f"{office}<int:pk>/codes/letters/", views.code_letters, name="letters"),
    path(f"{office}<int:pk>/codes/export.xlsx", views.code_export, name="code_export"),
    path(f"{office}<int:pk>/paper/", views.campaign_paper, name="paper"),
    path(f"{office}<int:pk>/paper/<int:form_pk>/", views.paper_resolve, name="paper_resolve"),
    path(f"{office}<int:pk>/review/", views.campaign_review, name="review"),
    path(f"{office}<int:pk>/results/", views.campaign_results, name="results"),
    path(f"{office}<int:pk>/export.xlsx", views.campaign_export, name="export"),
    path(f"{office}<int:pk>/notices.zip", views.all_notices, name="notices"),
    path(f"{office}<int:pk>/notices/<int:cu_pk>.docx", views.unit_notice, name="notice"),
]

from rest_framework.routers import SimpleRouter

from . import views

router = SimpleRouter(trailing_slash=True)
router.register("centers", views.ServiceCenterViewSet, basename="center")
router.register("districts", views.DistrictViewSet, basename="district")
router.register("venues", views.VenueViewSet, basename="venue")
router.register("bank-accounts", views.BankAccountViewSet, basename="bank-account")
router.register("income-lines", views.IncomeLineViewSet, basename="income-line")
router.register("purchase-contracts", views.PurchaseContractViewSet, basename="purchase-contract")
router.register("board-members", views.BoardMemberViewSet, basename="board-member")
router.register("supervisors", views.SupervisorViewSet, basename="supervisor")
router.register("governance-rules", views.GovernanceRuleViewSet, basename="governance-rule")
router.register("meetings", views.MeetingViewSet, basename="meeting")
router.register("seal-custodians", views.SealCustodianViewSet, basename="seal-custodian")
router.register("hand-overs", views.HandOverViewSet, basename="hand-over")
router.register("archive-inventories", views.ArchiveInventoryViewSet, basename="archive-inventory")
router.register("ratings", views.RatingRecordViewSet, basename="rating")
router.register("social-organizations", views.SocialOrganizationViewSet, basename="social-organization")

urlpatterns = router.urls

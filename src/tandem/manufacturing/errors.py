"""Manufacturing refusals, each with a stable code (issue 17's "Bad input" list)."""

from tandem.core.errors import Conflict, Forbidden, ValidationFailed


class BomCycle(ValidationFailed):
    """The BOM would contain its own product at some depth."""

    code = "bom.cycle"
    title = "A BOM may not contain itself"


class BomUomCategory(ValidationFailed):
    code = "bom.uom_category"
    title = "Unit of another category than the product's"


class BomCostShare(ValidationFailed):
    code = "bom.cost_share_exceeds"
    title = "By-product cost shares add up to more than 100 %"


class PhantomWithoutBom(ValidationFailed):
    code = "bom.phantom_without_bom"
    title = "A kit line needs a BOM for its product"


class Overproduction(Forbidden):
    code = "manufacturing_order.overproduction"
    title = "Producing more than planned needs the permission"


class LotNotReserved(ValidationFailed):
    code = "manufacturing_order.lot_not_reserved"
    title = "The lot is not reserved for this order"


class MoDone(Conflict):
    code = "manufacturing_order.done"
    title = "The manufacturing order is done"


class MoCancelled(Conflict):
    code = "manufacturing_order.cancelled"
    title = "The manufacturing order is cancelled"


class QualityTolerance(ValidationFailed):
    code = "quality.tolerance"
    title = "A measurement point needs a minimum not above its maximum"


class QualityResult(ValidationFailed):
    code = "quality.result"
    title = "A pass/fail check needs pass or fail; a measurement check a measured value"


class QualityCheckRecorded(Conflict):
    code = "quality_check.recorded"
    title = "The quality check is already recorded"


class QualityCheckNotFailed(Conflict):
    code = "quality_check.not_held"
    title = "Only a failed check that is not released yet can be released"


class QualityCheckFailed(Conflict):
    code = "quality.check_failed"
    title = "A mandatory quality check of the order failed and is not released"


class LotHeld(Conflict):
    code = "quality.lot_held"
    title = "The lot is held by a failed quality check"


class AlertClosed(Conflict):
    code = "quality_alert.closed"
    title = "The quality alert is already closed"


class WorkRunning(Conflict):
    code = "work_order.running"
    title = "The operation's timer is running already"


class WorkNotRunning(Conflict):
    code = "work_order.not_running"
    title = "The operation's timer is not running"

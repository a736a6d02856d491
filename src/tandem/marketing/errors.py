"""Marketing refusals with stable codes."""

from tandem.core.errors import Conflict, InvalidTransition, ValidationFailed


class SegmentInvalid(ValidationFailed):
    code = "segment.invalid"
    title = "The segment rules are not valid"


class TemplateInvalid(ValidationFailed):
    code = "template.invalid"
    title = "The email template is not valid"


class ConsentInvalid(ValidationFailed):
    code = "consent.invalid"
    title = "The consent is not valid"


class CampaignStateInvalid(InvalidTransition):
    code = "campaign.state_invalid"
    title = "Not allowed in the campaign's state"


class CampaignEmpty(Conflict):
    code = "campaign.no_recipients"
    title = "The campaign has no consenting recipient"


class TokenInvalid(ValidationFailed):
    code = "token.invalid"
    title = "The link is not valid or has expired"

"""The data dictionary of the emulated org: which sObjects exist, which fields they have, and how each field behaves.

Every other part of the Salesforce emulator reads this module instead of hard-coding field facts: the validation
rules (Part B) read lengths, createable/updateable flags, required-ness and picklists; the SOQL engine resolves
case-insensitive names and relationships here; the REST surface (Part C) serves :func:`describe`.

Sources: shared reference ``salesforce.md`` §3 (User fields, lengths, required fields), §4.3 (UserLogin), §5
(Profile, UserLicense), §6 (PermissionSet, PermissionSetAssignment), §2 (key prefixes); Salesforce Object Reference
pages of the same objects; the Metadata API "Translations" page for the language codes.

Required-on-create is derived the way Salesforce derives it in describe: a field is required when it is createable,
not nillable and not defaulted on create (:attr:`FieldDef.required_on_create`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from dataclasses import field as dc_field
from typing import Any, Literal

FieldType = Literal[
    "id",
    "string",
    "email",
    "phone",
    "textarea",
    "url",
    "picklist",
    "boolean",
    "int",
    "double",
    "date",
    "datetime",
    "reference",
]

DEFAULT_API_VERSION = "64.0"

# --- key prefixes (reference §2) ---------------------------------------------------------------------------------
# 005, 00D and 00e are observed in real responses; the others are UNVERIFIED in the reference and kept as constants
# here so that a correction is a one-line change.
PREFIX_USER = "005"
PREFIX_ORGANIZATION = "00D"
PREFIX_PROFILE = "00e"
PREFIX_PERMISSION_SET = "0PS"
PREFIX_PERMISSION_SET_ASSIGNMENT = "0Pa"
PREFIX_PERMISSION_SET_GROUP = "0PG"
PREFIX_USER_LICENSE = "100"
PREFIX_USER_ROLE = "00E"
PREFIX_PERMISSION_SET_LICENSE = "0PL"
PREFIX_PERMISSION_SET_LICENSE_ASSIGN = "2LA"
PREFIX_USER_LOGIN = "060"


@dataclass(frozen=True)
class FieldDef:
    """One field as describe reports it (the subset of describe attributes that drives behaviour).

    ``picklist_values`` holds the API values (what records store and what validation compares against);
    ``picklist_labels`` holds ``(value, label)`` pairs for describe when a label differs from its value;
    ``picklist_default`` is the value describe flags as ``defaultValue``.
    """

    name: str
    type: FieldType
    length: int = 0
    nillable: bool = True
    createable: bool = True
    updateable: bool = True
    filterable: bool = True
    sortable: bool = True
    picklist_values: tuple[str, ...] = ()
    restricted_picklist: bool = False
    reference_to: tuple[str, ...] = ()
    relationship_name: str | None = None
    default_on_create: Any = None
    label: str = ""
    picklist_labels: tuple[tuple[str, str], ...] = ()
    picklist_default: str | None = None
    defaulted_on_create: bool = False
    unique: bool = False
    external_id: bool = False
    id_lookup: bool = False
    name_field: bool = False
    case_sensitive: bool = False
    custom: bool = False
    """A custom field (API name ending ``__c``) an org added (:mod:`custom_fields`)."""
    _allowed: frozenset[str] = dc_field(default=frozenset(), init=False, repr=False, compare=False, hash=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_allowed", frozenset(self.picklist_values))

    @property
    def required_on_create(self) -> bool:
        """Salesforce's rule: createable, not nillable, not defaulted on create (Object Reference, describe)."""
        return self.createable and not self.nillable and not self.defaulted_on_create

    @property
    def is_reference(self) -> bool:
        return self.type == "reference"

    def picklist_label(self, value: str) -> str:
        for api_value, label in self.picklist_labels:
            if api_value == value:
                return label
        return value

    def allows_picklist_value(self, value: str) -> bool:
        """Restricted picklists accept only their API values, compared exactly (as Salesforce does for
        ``INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST``); unrestricted picklists accept anything."""
        return not self.restricted_picklist or value in self._allowed


@dataclass(frozen=True)
class SObjectDef:
    """One sObject: its name, labels, key prefix, allowed calls and fields (in describe order)."""

    name: str
    label: str
    label_plural: str
    key_prefix: str
    fields: tuple[FieldDef, ...]
    createable: bool = False
    updateable: bool = False
    deletable: bool = False
    queryable: bool = True
    retrieveable: bool = True
    searchable: bool = False
    _by_lower: dict[str, FieldDef] = dc_field(default_factory=dict, repr=False, compare=False, hash=False)
    _by_relationship: dict[str, FieldDef] = dc_field(default_factory=dict, repr=False, compare=False, hash=False)

    def __post_init__(self) -> None:
        for f in self.fields:
            self._by_lower[f.name.lower()] = f
            if f.relationship_name:
                self._by_relationship[f.relationship_name.lower()] = f

    def field(self, name: str) -> FieldDef | None:
        """The field called ``name``, compared case-insensitively as SOQL and the REST API do."""
        return self._by_lower.get(name.lower())

    def relationship(self, name: str) -> FieldDef | None:
        """The reference field whose relationship name is ``name`` (``Profile`` -> ``ProfileId``), case-insensitive."""
        return self._by_relationship.get(name.lower())

    @property
    def field_names(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.fields)


# --- picklists ------------------------------------------------------------------------------------------------------


def _offset_label(minutes: int) -> str:
    sign = "+" if minutes >= 0 else "-"
    hours, mins = divmod(abs(minutes), 60)
    return f"GMT{sign}{hours:02d}:{mins:02d}"


# (key, standard offset in minutes, standard-time name). PARTIAL: Salesforce offers several hundred time zone keys;
# this is a realistic subset covering every offset band and the keys customers use most. Labels use the standard
# (winter) offset; Salesforce's own labels follow the current daylight-saving offset.
_TIME_ZONES: tuple[tuple[str, int, str], ...] = (
    ("Pacific/Kiritimati", 840, "Line Islands Time"),
    ("Pacific/Enderbury", 780, "Phoenix Islands Time"),
    ("Pacific/Tongatapu", 780, "Tonga Standard Time"),
    ("Pacific/Chatham", 765, "Chatham Standard Time"),
    ("Pacific/Auckland", 720, "New Zealand Standard Time"),
    ("Pacific/Fiji", 720, "Fiji Standard Time"),
    ("Asia/Kamchatka", 720, "Petropavlovsk-Kamchatski Standard Time"),
    ("Pacific/Norfolk", 660, "Norfolk Island Standard Time"),
    ("Australia/Lord_Howe", 630, "Lord Howe Standard Time"),
    ("Australia/Sydney", 600, "Australian Eastern Standard Time"),
    ("Australia/Brisbane", 600, "Australian Eastern Standard Time"),
    ("Australia/Adelaide", 570, "Australian Central Standard Time"),
    ("Australia/Darwin", 570, "Australian Central Standard Time"),
    ("Asia/Tokyo", 540, "Japan Standard Time"),
    ("Asia/Seoul", 540, "Korean Standard Time"),
    ("Australia/Perth", 480, "Australian Western Standard Time"),
    ("Asia/Shanghai", 480, "China Standard Time"),
    ("Asia/Hong_Kong", 480, "Hong Kong Standard Time"),
    ("Asia/Taipei", 480, "Taipei Standard Time"),
    ("Asia/Singapore", 480, "Singapore Standard Time"),
    ("Asia/Manila", 480, "Philippine Standard Time"),
    ("Asia/Kuala_Lumpur", 480, "Malaysia Time"),
    ("Asia/Bangkok", 420, "Indochina Time"),
    ("Asia/Ho_Chi_Minh", 420, "Indochina Time"),
    ("Asia/Jakarta", 420, "Western Indonesia Time"),
    ("Asia/Rangoon", 390, "Myanmar Time"),
    ("Asia/Dhaka", 360, "Bangladesh Standard Time"),
    ("Asia/Kathmandu", 345, "Nepal Time"),
    ("Asia/Kolkata", 330, "India Standard Time"),
    ("Asia/Colombo", 330, "India Standard Time"),
    ("Asia/Karachi", 300, "Pakistan Standard Time"),
    ("Asia/Tashkent", 300, "Uzbekistan Standard Time"),
    ("Asia/Yekaterinburg", 300, "Yekaterinburg Standard Time"),
    ("Asia/Kabul", 270, "Afghanistan Time"),
    ("Asia/Dubai", 240, "Gulf Standard Time"),
    ("Asia/Baku", 240, "Azerbaijan Standard Time"),
    ("Asia/Tbilisi", 240, "Georgia Standard Time"),
    ("Asia/Yerevan", 240, "Armenia Standard Time"),
    ("Asia/Tehran", 210, "Iran Standard Time"),
    ("Europe/Moscow", 180, "Moscow Standard Time"),
    ("Europe/Istanbul", 180, "Turkey Time"),
    ("Europe/Minsk", 180, "Moscow Standard Time"),
    ("Asia/Riyadh", 180, "Arabian Standard Time"),
    ("Asia/Baghdad", 180, "Arabian Standard Time"),
    ("Asia/Kuwait", 180, "Arabian Standard Time"),
    ("Africa/Nairobi", 180, "East Africa Time"),
    ("Europe/Athens", 120, "Eastern European Standard Time"),
    ("Europe/Bucharest", 120, "Eastern European Standard Time"),
    ("Europe/Helsinki", 120, "Eastern European Standard Time"),
    ("Europe/Kiev", 120, "Eastern European Standard Time"),
    ("Africa/Cairo", 120, "Eastern European Standard Time"),
    ("Africa/Johannesburg", 120, "South Africa Standard Time"),
    ("Asia/Jerusalem", 120, "Israel Standard Time"),
    ("Asia/Beirut", 120, "Eastern European Standard Time"),
    ("Europe/Amsterdam", 60, "Central European Standard Time"),
    ("Europe/Berlin", 60, "Central European Standard Time"),
    ("Europe/Brussels", 60, "Central European Standard Time"),
    ("Europe/Paris", 60, "Central European Standard Time"),
    ("Europe/Prague", 60, "Central European Standard Time"),
    ("Europe/Rome", 60, "Central European Standard Time"),
    ("Europe/Madrid", 60, "Central European Standard Time"),
    ("Europe/Stockholm", 60, "Central European Standard Time"),
    ("Europe/Warsaw", 60, "Central European Standard Time"),
    ("Europe/Budapest", 60, "Central European Standard Time"),
    ("Europe/Belgrade", 60, "Central European Standard Time"),
    ("Africa/Lagos", 60, "West Africa Standard Time"),
    ("Africa/Algiers", 60, "Central European Standard Time"),
    ("Europe/London", 0, "Greenwich Mean Time"),
    ("Europe/Dublin", 0, "Greenwich Mean Time"),
    ("Europe/Lisbon", 0, "Western European Standard Time"),
    ("GMT", 0, "Greenwich Mean Time"),
    ("Atlantic/Azores", -60, "Azores Standard Time"),
    ("Atlantic/Cape_Verde", -60, "Cape Verde Standard Time"),
    ("Atlantic/South_Georgia", -120, "South Georgia Time"),
    ("America/St_Johns", -210, "Newfoundland Standard Time"),
    ("America/Sao_Paulo", -180, "Brasilia Standard Time"),
    ("America/Argentina/Buenos_Aires", -180, "Argentina Standard Time"),
    ("America/Halifax", -240, "Atlantic Standard Time"),
    ("America/Puerto_Rico", -240, "Atlantic Standard Time"),
    ("Atlantic/Bermuda", -240, "Atlantic Standard Time"),
    ("America/Santiago", -240, "Chile Standard Time"),
    ("America/Caracas", -240, "Venezuela Time"),
    ("America/New_York", -300, "Eastern Standard Time"),
    ("America/Indiana/Indianapolis", -300, "Eastern Standard Time"),
    ("America/Bogota", -300, "Colombia Standard Time"),
    ("America/Lima", -300, "Peru Standard Time"),
    ("America/Panama", -300, "Eastern Standard Time"),
    ("America/Chicago", -360, "Central Standard Time"),
    ("America/Mexico_City", -360, "Central Standard Time"),
    ("America/El_Salvador", -360, "Central Standard Time"),
    ("America/Denver", -420, "Mountain Standard Time"),
    ("America/Phoenix", -420, "Mountain Standard Time"),
    ("America/Los_Angeles", -480, "Pacific Standard Time"),
    ("America/Tijuana", -480, "Pacific Standard Time"),
    ("America/Anchorage", -540, "Alaska Standard Time"),
    ("Pacific/Gambier", -540, "Gambier Time"),
    ("Pacific/Marquesas", -570, "Marquesas Time"),
    ("America/Adak", -600, "Hawaii-Aleutian Standard Time"),
    ("Pacific/Honolulu", -600, "Hawaii-Aleutian Standard Time"),
    ("Pacific/Niue", -660, "Niue Time"),
    ("Pacific/Pago_Pago", -660, "Samoa Standard Time"),
)
TIME_ZONE_SID_KEYS: tuple[tuple[str, str], ...] = tuple(
    (key, f"({_offset_label(offset)}) {name} ({key})") for key, offset, name in _TIME_ZONES
)
"""TimeZoneSidKey values and labels. PARTIAL (see ``_TIME_ZONES``)."""

LOCALE_SID_KEYS: tuple[tuple[str, str], ...] = (
    ("ar_AE", "Arabic (United Arab Emirates)"),
    ("bg_BG", "Bulgarian (Bulgaria)"),
    ("cs_CZ", "Czech (Czechia)"),
    ("da_DK", "Danish (Denmark)"),
    ("de_AT", "German (Austria)"),
    ("de_CH", "German (Switzerland)"),
    ("de_DE", "German (Germany)"),
    ("el_GR", "Greek (Greece)"),
    ("en_AU", "English (Australia)"),
    ("en_CA", "English (Canada)"),
    ("en_GB", "English (United Kingdom)"),
    ("en_IE", "English (Ireland)"),
    ("en_IN", "English (India)"),
    ("en_NZ", "English (New Zealand)"),
    ("en_SG", "English (Singapore)"),
    ("en_US", "English (United States)"),
    ("en_ZA", "English (South Africa)"),
    ("es_AR", "Spanish (Argentina)"),
    ("es_CO", "Spanish (Colombia)"),
    ("es_ES", "Spanish (Spain)"),
    ("es_MX", "Spanish (Mexico)"),
    ("es_US", "Spanish (United States)"),
    ("fi_FI", "Finnish (Finland)"),
    ("fr_BE", "French (Belgium)"),
    ("fr_CA", "French (Canada)"),
    ("fr_CH", "French (Switzerland)"),
    ("fr_FR", "French (France)"),
    ("hr_HR", "Croatian (Croatia)"),
    ("hu_HU", "Hungarian (Hungary)"),
    ("in_ID", "Indonesian (Indonesia)"),
    ("it_CH", "Italian (Switzerland)"),
    ("it_IT", "Italian (Italy)"),
    ("iw_IL", "Hebrew (Israel)"),
    ("ja_JP", "Japanese (Japan)"),
    ("ko_KR", "Korean (South Korea)"),
    ("ms_MY", "Malay (Malaysia)"),
    ("nl_BE", "Dutch (Belgium)"),
    ("nl_NL", "Dutch (Netherlands)"),
    ("no_NO", "Norwegian (Norway)"),
    ("pl_PL", "Polish (Poland)"),
    ("pt_BR", "Portuguese (Brazil)"),
    ("pt_PT", "Portuguese (Portugal)"),
    ("ro_RO", "Romanian (Romania)"),
    ("ru_RU", "Russian (Russia)"),
    ("sk_SK", "Slovak (Slovakia)"),
    ("sl_SI", "Slovenian (Slovenia)"),
    ("sv_SE", "Swedish (Sweden)"),
    ("th_TH", "Thai (Thailand)"),
    ("tr_TR", "Turkish (Türkiye)"),
    ("uk_UA", "Ukrainian (Ukraine)"),
    ("vi_VN", "Vietnamese (Vietnam)"),
    ("zh_CN", "Chinese (China)"),
    ("zh_HK", "Chinese (Hong Kong SAR China)"),
    ("zh_TW", "Chinese (Taiwan)"),
)
"""LocaleSidKey values and labels. PARTIAL: Salesforce supports well over a hundred locales."""

LANGUAGE_LOCALE_KEYS: tuple[tuple[str, str], ...] = (
    # fully supported languages (Metadata API "Translations")
    ("en_US", "English"),
    ("de", "German"),
    ("es", "Spanish"),
    ("fr", "French"),
    ("it", "Italian"),
    ("ja", "Japanese"),
    ("sv", "Swedish"),
    ("ko", "Korean"),
    ("zh_TW", "Chinese (Traditional)"),
    ("zh_CN", "Chinese (Simplified)"),
    ("pt_BR", "Portuguese (Brazil)"),
    ("nl_NL", "Dutch"),
    ("da", "Danish"),
    ("th", "Thai"),
    ("fi", "Finnish"),
    ("ru", "Russian"),
    ("es_MX", "Spanish (Mexico)"),
    ("no", "Norwegian"),
    # end-user languages (same page)
    ("ar", "Arabic"),
    ("bg", "Bulgarian"),
    ("hr", "Croatian"),
    ("cs", "Czech"),
    ("en_GB", "English (UK)"),
    ("el", "Greek"),
    ("iw", "Hebrew"),
    ("hu", "Hungarian"),
    ("in", "Indonesian"),
    ("pl", "Polish"),
    ("pt_PT", "Portuguese (European)"),
    ("ro", "Romanian"),
    ("sk", "Slovak"),
    ("sl", "Slovenian"),
    ("tr", "Turkish"),
    ("uk", "Ukrainian"),
    ("vi", "Vietnamese"),
)
"""LanguageLocaleKey values: the fully supported and end-user languages. Platform-only languages are not offered for
a user's language, so this list is complete for users as of the Translations page; new releases may add some."""

EMAIL_ENCODING_KEYS: tuple[tuple[str, str], ...] = (
    ("UTF-8", "Unicode (UTF-8)"),
    ("ISO-8859-1", "General US & Western Europe (ISO-8859-1, ISO-LATIN-1)"),
    ("Shift_JIS", "Japanese (Shift-JIS)"),
    ("ISO-2022-JP", "Japanese (JIS)"),
    ("EUC-JP", "Japanese (EUC)"),
    ("ks_c_5601-1987", "Korean (ks_c_5601-1987)"),
    ("Big5", "Traditional Chinese (Big5)"),
    ("GB2312", "Simplified Chinese (GB2312)"),
    ("Big5-HKSCS", "Traditional Chinese Hong Kong (Big5-HKSCS)"),
    ("x-SJIS_0213", "Japanese (Shift-JIS_2004)"),
)
"""EmailEncodingKey values: the complete list Salesforce offers for users."""

USER_TYPES: tuple[tuple[str, str], ...] = (
    ("Standard", "Standard"),
    ("PowerPartner", "Partner"),
    ("PowerCustomerSuccess", "Customer Portal Manager"),
    ("CustomerSuccess", "Customer Portal User"),
    ("Guest", "Guest"),
    ("CspLitePortal", "High Volume Portal"),
    ("CsnOnly", "CSN Only"),
    ("SelfService", "Self Service"),
)
"""User.UserType / Profile.UserType values (Object Reference, User)."""

ORGANIZATION_TYPES: tuple[str, ...] = (
    "Team Edition",
    "Professional Edition",
    "Enterprise Edition",
    "Developer Edition",
    "Personal Edition",
    "Unlimited Edition",
    "Contact Manager Edition",
    "Base Edition",
)
"""Organization.OrganizationType values (Object Reference, Organization)."""


# --- field builders -------------------------------------------------------------------------------------------------

_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")


def _label(name: str) -> str:
    base = name[:-2] + " ID" if name.endswith("Id") and len(name) > 2 else name
    return _CAMEL.sub(" ", base)


def _f(name: str, type_: FieldType, length: int = 0, label: str | None = None, **kw: Any) -> FieldDef:
    return FieldDef(name=name, type=type_, length=length, label=label or _label(name), **kw)


def _id(label: str) -> FieldDef:
    return _f(
        "Id",
        "id",
        18,
        label,
        nillable=False,
        createable=False,
        updateable=False,
        defaulted_on_create=True,
        id_lookup=True,
        case_sensitive=False,
    )


def _ro(name: str, type_: FieldType, length: int = 0, label: str | None = None, **kw: Any) -> FieldDef:
    """A field the API never writes (system or computed)."""
    return _f(name, type_, length, label, createable=False, updateable=False, **kw)


def _bool(name: str, label: str | None = None, *, default: bool = False, **kw: Any) -> FieldDef:
    """Checkboxes are never null in Salesforce: not nillable, defaulted on create."""
    return _f(name, "boolean", 0, label, nillable=False, default_on_create=default, defaulted_on_create=True, **kw)


def _ref(name: str, to: tuple[str, ...], rel: str | None, label: str | None = None, **kw: Any) -> FieldDef:
    return _f(name, "reference", 18, label, reference_to=to, relationship_name=rel, **kw)


def _pick(
    name: str, values: Iterable[tuple[str, str]], label: str | None = None, *, length: int = 40, **kw: Any
) -> FieldDef:
    pairs = tuple(values)
    return _f(name, "picklist", length, label, picklist_values=tuple(v for v, _ in pairs), picklist_labels=pairs, **kw)


def _audit(created: bool = True) -> tuple[FieldDef, ...]:
    """The system audit fields every setup object carries (all read-only, never null)."""
    fields: list[FieldDef] = []
    if created:
        fields += [
            _ro("CreatedDate", "datetime", label="Created Date", nillable=False, defaulted_on_create=True),
            _ref(
                "CreatedById",
                ("User",),
                "CreatedBy",
                "Created By ID",
                nillable=False,
                createable=False,
                updateable=False,
                defaulted_on_create=True,
            ),
        ]
    fields += [
        _ro("LastModifiedDate", "datetime", label="Last Modified Date", nillable=False, defaulted_on_create=True),
        _ref(
            "LastModifiedById",
            ("User",),
            "LastModifiedBy",
            "Last Modified By ID",
            nillable=False,
            createable=False,
            updateable=False,
            defaulted_on_create=True,
        ),
        _ro("SystemModstamp", "datetime", label="System Modstamp", nillable=False, defaulted_on_create=True),
    ]
    return tuple(fields)


def _required_pick(name: str, values: Iterable[tuple[str, str]], label: str) -> FieldDef:
    return _pick(name, values, label, nillable=False, restricted_picklist=True)


# --- sObjects -------------------------------------------------------------------------------------------------------

USER_PERMISSION_FIELDS: tuple[tuple[str, str], ...] = (
    ("UserPermissionsMarketingUser", "Marketing User"),
    ("UserPermissionsOfflineUser", "Offline User"),
    ("UserPermissionsCallCenterAutoLogin", "Auto-login To Call Center"),
    ("UserPermissionsSFContentUser", "Salesforce CRM Content User"),
    ("UserPermissionsKnowledgeUser", "Knowledge User"),
    ("UserPermissionsInteractionUser", "Flow User"),
    ("UserPermissionsSupportUser", "Service Cloud User"),
    ("UserPermissionsChatterAnswersUser", "Chatter Answers User"),
)
"""Feature-licence checkboxes on User (reference §5.4). PARTIAL: newer releases add more."""

_USER = SObjectDef(
    name="User",
    label="User",
    label_plural="Users",
    key_prefix=PREFIX_USER,
    createable=True,
    updateable=True,
    deletable=False,  # reference §4.1: users are deactivated, never deleted
    searchable=True,
    fields=(
        _id("User ID"),
        _f("Username", "string", 80, "Username", nillable=False, unique=True, id_lookup=True),
        _f("LastName", "string", 80, "Last Name", nillable=False),
        _f("FirstName", "string", 40, "First Name"),
        _f("MiddleName", "string", 40, "Middle Name"),
        _f("Suffix", "string", 40, "Suffix"),
        _ro("Name", "string", 121, "Full Name", nillable=False, defaulted_on_create=True, name_field=True),
        _f("CompanyName", "string", 80, "Company Name"),
        _f("Division", "string", 80, "Division"),
        _f("Department", "string", 80, "Department"),
        _f("Title", "string", 80, "Title"),
        _f("Street", "textarea", 255, "Street"),
        _f("City", "string", 40, "City"),
        _f("State", "string", 80, "State/Province"),
        _f("PostalCode", "string", 20, "Zip/Postal Code"),
        _f("Country", "string", 80, "Country"),
        _f("Email", "email", 128, "Email", nillable=False),
        _f("SenderEmail", "email", 80, "Email Sender Address"),
        _f("SenderName", "string", 80, "Email Sender Name"),
        _f("Phone", "phone", 40, "Phone"),
        _f("Fax", "phone", 40, "Fax"),
        _f("MobilePhone", "phone", 40, "Mobile"),
        _f("Extension", "phone", 40, "Extension"),
        _f("Alias", "string", 8, "Alias", nillable=False),
        # Reference §3.2: not required through the API; Salesforce fills it when omitted (UNVERIFIED there).
        _f("CommunityNickname", "string", 40, "Nickname", nillable=False, defaulted_on_create=True, unique=True),
        _bool("IsActive", "Active", default=True),
        _required_pick("TimeZoneSidKey", TIME_ZONE_SID_KEYS, "Time Zone"),
        _ref("UserRoleId", ("UserRole",), "UserRole", "Role ID"),
        _required_pick("LocaleSidKey", LOCALE_SID_KEYS, "Locale"),
        _bool("ReceivesInfoEmails", "Info Emails"),
        _bool("ReceivesAdminInfoEmails", "Admin Info Emails"),
        _required_pick("EmailEncodingKey", EMAIL_ENCODING_KEYS, "Email Encoding"),
        _ref("ProfileId", ("Profile",), "Profile", "Profile ID", nillable=False),
        _pick(
            "UserType",
            USER_TYPES,
            "User Type",
            createable=False,
            updateable=False,
            restricted_picklist=True,
            defaulted_on_create=True,
        ),
        _required_pick("LanguageLocaleKey", LANGUAGE_LOCALE_KEYS, "Language"),
        _f("EmployeeNumber", "string", 20, "Employee Number"),
        _ref("ManagerId", ("User",), "Manager", "Manager ID"),
        _ro("LastLoginDate", "datetime", label="Last Login"),
        _ro("LastPasswordChangeDate", "datetime", label="Last Password Change or Reset"),
        *_audit(),
        _ro("NumberOfFailedLogins", "int", label="Failed Login Attempts"),
        *(_bool(name, label) for name, label in USER_PERMISSION_FIELDS),
        _f("FederationIdentifier", "string", 512, "SAML Federation ID", id_lookup=True),
        _f("AboutMe", "textarea", 1000, "About Me", filterable=False, sortable=False),
        _bool("IsProfilePhotoActive", "Has Profile Photo", createable=False, updateable=False),
    ),
)

_PROFILE = SObjectDef(
    name="Profile",
    label="Profile",
    label_plural="Profile",
    key_prefix=PREFIX_PROFILE,
    createable=True,
    updateable=True,
    deletable=True,
    fields=(
        _id("Profile ID"),
        _f("Name", "string", 255, "Name", nillable=False, name_field=True),
        _bool("PermissionsApiEnabled", "API Enabled"),
        _bool("PermissionsManageUsers", "Manage Users"),
        _bool("PermissionsManageInternalUsers", "Manage Internal Users"),
        _bool("PermissionsAssignPermissionSets", "Assign Permission Sets"),
        _bool("PermissionsViewSetup", "View Setup and Configuration"),
        _bool("PermissionsModifyAllData", "Modify All Data"),
        _bool("PermissionsViewAllData", "View All Data"),
        _bool("PermissionsUseAnyApiAuth", "Use Any API Client"),
        _ref("UserLicenseId", ("UserLicense",), "UserLicense", "User License ID", nillable=False),
        _pick(
            "UserType",
            USER_TYPES,
            "User Type",
            createable=False,
            updateable=False,
            restricted_picklist=True,
            defaulted_on_create=True,
        ),
        *_audit(),
        _f("Description", "string", 255, "Description"),
    ),
)

_USER_LICENSE = SObjectDef(
    name="UserLicense",
    label="User License",
    label_plural="User Licenses",
    key_prefix=PREFIX_USER_LICENSE,
    fields=(
        _id("User License ID"),
        _ro("LicenseDefinitionKey", "string", 40, "License Definition Key", nillable=False),
        _ro("TotalLicenses", "int", label="Total Licenses", nillable=False),
        _pick(
            "Status",
            (("Active", "Active"), ("Disabled", "Disabled")),
            "Status",
            createable=False,
            updateable=False,
            nillable=False,
            restricted_picklist=True,
        ),
        _ro("UsedLicenses", "int", label="Used Licenses", nillable=False),
        _ro("UsedLicensesLastUpdated", "datetime", label="Used Licenses Last Updated", nillable=False),
        _ro("Name", "string", 40, "Name", nillable=False, name_field=True),
        _ro("MasterLabel", "string", 80, "Master Label", nillable=False),
        _ro("MonthlyLoginsUsed", "int", label="Monthly Logins Used"),
        _ro("MonthlyLoginsEntitlement", "int", label="Monthly Logins Entitlement"),
        *_audit(),
    ),
)

_USER_ROLE = SObjectDef(
    name="UserRole",
    label="Role",
    label_plural="Roles",
    key_prefix=PREFIX_USER_ROLE,
    createable=True,
    updateable=True,
    deletable=True,
    fields=(
        _id("Role ID"),
        _f("Name", "string", 80, "Name", nillable=False, name_field=True),
        _ref("ParentRoleId", ("UserRole",), None, "Parent Role ID"),
        _f("RollupDescription", "string", 80, "Description"),
        _f("DeveloperName", "string", 80, "Developer Name"),
        _pick(
            "PortalType",
            (("None", "None"), ("Partner", "Partner Portal"), ("CustomerPortal", "Customer Portal")),
            "Portal Type",
            createable=False,
            updateable=False,
            restricted_picklist=True,
        ),
        *_audit(created=False),
    ),
)

_PERMISSION_SET_GROUP = SObjectDef(
    name="PermissionSetGroup",
    label="Permission Set Group",
    label_plural="Permission Set Groups",
    key_prefix=PREFIX_PERMISSION_SET_GROUP,
    createable=True,
    updateable=True,
    deletable=True,
    fields=(
        _id("Permission Set Group ID"),
        _f("DeveloperName", "string", 80, "Developer Name", nillable=False),
        _f("MasterLabel", "string", 80, "Label", nillable=False, name_field=True),
        _f("Description", "textarea", 255, "Description"),
        _pick(
            "Status",
            (("Updated", "Updated"), ("Outdated", "Outdated"), ("Updating", "Updating"), ("Failed", "Failed")),
            "Status",
            createable=False,
            updateable=False,
            restricted_picklist=True,
        ),
        *_audit(),
    ),
)

_PERMISSION_SET = SObjectDef(
    name="PermissionSet",
    label="Permission Set",
    label_plural="Permission Sets",
    key_prefix=PREFIX_PERMISSION_SET,
    createable=True,
    updateable=True,
    deletable=True,
    fields=(
        _id("Permission Set ID"),
        _f("Name", "string", 80, "Name", nillable=False),
        _f("Label", "string", 80, "Label", nillable=False, name_field=True),
        _ref("LicenseId", ("PermissionSetLicense", "UserLicense"), "License", "License ID"),
        _ref("ProfileId", ("Profile",), "Profile", "Profile ID", createable=False, updateable=False),
        _bool("IsOwnedByProfile", "Is Owned by Profile", createable=False, updateable=False),
        _bool("IsCustom", "Custom", createable=False, updateable=False),
        # The same user permissions as the Profile above: a permission set grants any of them, and a profile's own
        # permissions live in its profile-owned set (reference §6), so both objects carry every flag.
        _bool("PermissionsApiEnabled", "API Enabled"),
        _bool("PermissionsManageUsers", "Manage Users"),
        _bool("PermissionsManageInternalUsers", "Manage Internal Users"),
        _bool("PermissionsAssignPermissionSets", "Assign Permission Sets"),
        _bool("PermissionsViewSetup", "View Setup and Configuration"),
        _bool("PermissionsModifyAllData", "Modify All Data"),
        _bool("PermissionsViewAllData", "View All Data"),
        _bool("PermissionsUseAnyApiAuth", "Use Any API Client"),
        _f("Description", "string", 255, "Description"),
        _ref(
            "PermissionSetGroupId",
            ("PermissionSetGroup",),
            "PermissionSetGroup",
            "Permission Set Group ID",
            createable=False,
            updateable=False,
        ),
        _pick(
            "Type",
            (
                ("Regular", "Regular"),
                ("Group", "Group"),
                ("Profile", "Profile"),
                ("Session", "Session"),
                ("Standard", "Standard"),
            ),
            "Type",
            createable=False,
            updateable=False,
            restricted_picklist=True,
            defaulted_on_create=True,
        ),
        _f("NamespacePrefix", "string", 15, "Namespace Prefix", createable=False, updateable=False),
        *_audit(),
    ),
)

_PERMISSION_SET_ASSIGNMENT = SObjectDef(
    name="PermissionSetAssignment",
    label="Permission Set Assignment",
    label_plural="Permission Set Assignments",
    key_prefix=PREFIX_PERMISSION_SET_ASSIGNMENT,
    createable=True,
    updateable=True,
    deletable=True,
    fields=(
        _id("Permission Set Assignment ID"),
        _ref(
            "PermissionSetId",
            ("PermissionSet",),
            "PermissionSet",
            "Permission Set ID",
            nillable=False,
            updateable=False,
        ),
        _ref(
            "PermissionSetGroupId",
            ("PermissionSetGroup",),
            "PermissionSetGroup",
            "Permission Set Group ID",
            updateable=False,
        ),
        _ref("AssigneeId", ("User",), "Assignee", "Assignee ID", nillable=False, updateable=False),
        _bool("IsActive", "Is Active", default=True, createable=False, updateable=False),
        _f("ExpirationDate", "datetime", 0, "Expiration Date"),
        _bool("IsRevoked", "Is Revoked", createable=False, updateable=False),
        _ro("SystemModstamp", "datetime", label="System Modstamp", nillable=False, defaulted_on_create=True),
    ),
)

_PERMISSION_SET_LICENSE = SObjectDef(
    name="PermissionSetLicense",
    label="Permission Set License",
    label_plural="Permission Set Licenses",
    key_prefix=PREFIX_PERMISSION_SET_LICENSE,
    fields=(
        _id("Permission Set License ID"),
        _ro("DeveloperName", "string", 80, "Permission Set License Name", nillable=False),
        _ro("MasterLabel", "string", 80, "Label", nillable=False, name_field=True),
        _ro("PermissionSetLicenseKey", "string", 255, "Permission Set License Key"),
        _ro("TotalLicenses", "int", label="Total Licenses", nillable=False),
        _ro("UsedLicenses", "int", label="Used Licenses", nillable=False),
        _pick(
            "Status",
            (("Active", "Active"), ("Disabled", "Disabled"), ("Expired", "Expired")),
            "Status",
            createable=False,
            updateable=False,
            nillable=False,
            restricted_picklist=True,
        ),
        _ro("ExpirationDate", "date", label="Expiration Date"),
        *_audit(),
    ),
)

_PERMISSION_SET_LICENSE_ASSIGN = SObjectDef(
    name="PermissionSetLicenseAssign",
    label="Permission Set License Assignment",
    label_plural="Permission Set License Assignments",
    key_prefix=PREFIX_PERMISSION_SET_LICENSE_ASSIGN,
    createable=True,
    deletable=True,
    fields=(
        _id("Permission Set License Assign ID"),
        _ref(
            "PermissionSetLicenseId",
            ("PermissionSetLicense",),
            "PermissionSetLicense",
            "Permission Set License ID",
            nillable=False,
            updateable=False,
        ),
        _ref("AssigneeId", ("User",), "Assignee", "Assignee ID", nillable=False, updateable=False),
        *_audit(),
    ),
)

_USER_LOGIN = SObjectDef(
    name="UserLogin",
    label="User Login",
    label_plural="User Logins",
    key_prefix=PREFIX_USER_LOGIN,
    updateable=True,  # reference §4.3: describeSObjects, query, retrieve, update
    fields=(
        _id("User Login ID"),
        _ref("UserId", ("User",), None, "User ID", nillable=False, createable=False, updateable=False),
        _bool("IsFrozen", "Is Frozen", createable=False),
        _bool("IsPasswordLocked", "Is Password Locked", createable=False),
        *_audit(created=False),
    ),
)

_ORGANIZATION = SObjectDef(
    name="Organization",
    label="Organization",
    label_plural="Organizations",
    key_prefix=PREFIX_ORGANIZATION,
    fields=(
        _id("Organization ID"),
        _ro("Name", "string", 80, "Name", nillable=False, name_field=True),
        _ro("Division", "string", 80, "Division"),
        _ro("Street", "textarea", 255, "Street"),
        _ro("City", "string", 40, "City"),
        _ro("State", "string", 80, "State/Province"),
        _ro("PostalCode", "string", 20, "Zip/Postal Code"),
        _ro("Country", "string", 80, "Country"),
        _ro("Phone", "phone", 40, "Phone"),
        _ro("PrimaryContact", "string", 80, "Primary Contact"),
        _pick(
            "DefaultLocaleSidKey",
            LOCALE_SID_KEYS,
            "Locale",
            createable=False,
            updateable=False,
            nillable=False,
            restricted_picklist=True,
        ),
        _pick(
            "TimeZoneSidKey",
            TIME_ZONE_SID_KEYS,
            "Default Time Zone",
            createable=False,
            updateable=False,
            nillable=False,
            restricted_picklist=True,
        ),
        _pick(
            "LanguageLocaleKey",
            LANGUAGE_LOCALE_KEYS,
            "Language",
            createable=False,
            updateable=False,
            nillable=False,
            restricted_picklist=True,
        ),
        _bool("ReceivesInfoEmails", "Info Emails", createable=False, updateable=False),
        _bool("ReceivesAdminInfoEmails", "Info Emails Admin", createable=False, updateable=False),
        _pick(
            "OrganizationType",
            ((t, t) for t in ORGANIZATION_TYPES),
            "Edition",
            createable=False,
            updateable=False,
            restricted_picklist=True,
        ),
        _ro("NamespacePrefix", "string", 15, "Namespace Prefix"),
        _ro("InstanceName", "string", 5, "Instance Name"),
        _bool("IsSandbox", "Is Sandbox", createable=False, updateable=False),
        _ro("TrialExpirationDate", "datetime", label="Trial Expiration Date"),
        _bool("IsReadOnly", "Is Read Only", createable=False, updateable=False),
        *_audit(),
    ),
)

SCHEMA: dict[str, SObjectDef] = {
    o.name: o
    for o in (
        _USER,
        _PROFILE,
        _USER_LICENSE,
        _USER_ROLE,
        _PERMISSION_SET,
        _PERMISSION_SET_GROUP,
        _PERMISSION_SET_ASSIGNMENT,
        _PERMISSION_SET_LICENSE,
        _PERMISSION_SET_LICENSE_ASSIGN,
        _USER_LOGIN,
        _ORGANIZATION,
    )
}
"""Every emulated sObject by canonical name."""

_BY_LOWER = {name.lower(): o for name, o in SCHEMA.items()}
_BY_PREFIX = {o.key_prefix: o for o in SCHEMA.values()}


def sobject(name: str) -> SObjectDef | None:
    """The sObject called ``name``, compared case-insensitively as SOQL and the REST paths do."""
    return _BY_LOWER.get(name.lower())


def sobject_for_id(record_id: str) -> SObjectDef | None:
    """The sObject whose key prefix starts ``record_id`` (reference §2)."""
    return _BY_PREFIX.get(record_id[:3])


# --- describe -------------------------------------------------------------------------------------------------------

_SOAP_TYPES: dict[str, str] = {
    "id": "tns:ID",
    "reference": "tns:ID",
    "boolean": "xsd:boolean",
    "int": "xsd:int",
    "double": "xsd:double",
    "date": "xsd:date",
    "datetime": "xsd:dateTime",
}


def _describe_field(f: FieldDef) -> dict[str, Any]:
    """One entry of describe's ``fields`` array (REST ``sobjects/{name}/describe``, DescribeFieldResult)."""
    is_text = f.type in ("id", "string", "email", "phone", "textarea", "url", "picklist", "reference")
    picklist = [
        {
            "active": True,
            "defaultValue": value == f.picklist_default,
            "label": f.picklist_label(value),
            "validFor": None,
            "value": value,
        }
        for value in f.picklist_values
    ]
    return {
        "aggregatable": f.type not in ("textarea", "boolean") or (f.type == "textarea" and f.length <= 255),
        "aiPredictionField": False,
        "autoNumber": False,
        "byteLength": f.length * 3 if is_text else 0,
        "calculated": False,
        "calculatedFormula": None,
        "cascadeDelete": False,
        "caseSensitive": f.case_sensitive,
        "compoundFieldName": None,
        "controllerName": None,
        "createable": f.createable,
        "custom": f.custom,
        "defaultValue": f.default_on_create if f.type == "boolean" else None,
        "defaultValueFormula": None,
        "defaultedOnCreate": f.defaulted_on_create,
        "dependentPicklist": False,
        "deprecatedAndHidden": False,
        "digits": 9 if f.type == "int" else 0,
        "displayLocationInDecimal": False,
        "encrypted": False,
        "externalId": f.external_id,
        "extraTypeInfo": None,
        "filterable": f.filterable,
        "filteredLookupInfo": None,
        "groupable": f.type not in ("textarea", "double", "datetime") and f.filterable,
        "highScaleNumber": False,
        "htmlFormatted": False,
        "idLookup": f.id_lookup,
        "inlineHelpText": None,
        "label": f.label,
        "length": f.length if is_text else 0,
        "mask": None,
        "maskType": None,
        "name": f.name,
        "nameField": f.name_field,
        "namePointing": len(f.reference_to) > 1,
        "nillable": f.nillable,
        "permissionable": f.nillable and (f.createable or f.updateable),
        "picklistValues": picklist,
        "polymorphicForeignKey": len(f.reference_to) > 1,
        "precision": 18 if f.type == "double" else 0,
        "queryByDistance": False,
        "referenceTargetField": None,
        "referenceTo": list(f.reference_to),
        "relationshipName": f.relationship_name,
        "relationshipOrder": None,
        "restrictedDelete": False,
        "restrictedPicklist": f.restricted_picklist,
        "scale": 0,
        "searchPrefilterable": False,
        "soapType": _SOAP_TYPES.get(f.type, "xsd:string"),
        "sortable": f.sortable,
        "type": f.type,
        "unique": f.unique,
        "updateable": f.updateable,
        "writeRequiresMasterRead": False,
    }


CHILD_RELATIONSHIPS: dict[tuple[str, str], str] = {
    ("PermissionSetAssignment", "AssigneeId"): "PermissionSetAssignments",
    ("PermissionSetAssignment", "PermissionSetId"): "Assignments",
    ("User", "ManagerId"): "ManagedUsers",
}
"""Child relationship names (``(child sObject, reference field)`` -> name on the parent), usable in SOQL
sub-queries such as ``(SELECT PermissionSetId FROM PermissionSetAssignments)``. PARTIAL: only those between emulated
objects whose names are known; other references have no child relationship name here."""


def child_relationship(parent: str, name: str) -> tuple[SObjectDef, FieldDef] | None:
    """The child sObject and its reference field behind ``parent``'s child relationship ``name`` (case-insensitive)."""
    for (child, field_name), rel in CHILD_RELATIONSHIPS.items():
        child_def = SCHEMA[child]
        ref = child_def.field(field_name)
        if rel.lower() == name.lower() and ref is not None and parent in ref.reference_to:
            return child_def, ref
    return None


def _child_relationships(target: str) -> list[dict[str, Any]]:
    """Relationships from other emulated objects pointing at ``target`` (describe ``childRelationships``).

    Only the relationships between emulated objects are listed; the real describe lists many more."""
    names = CHILD_RELATIONSHIPS
    out: list[dict[str, Any]] = []
    for obj in SCHEMA.values():
        for f in obj.fields:
            if target in f.reference_to and f.name not in ("CreatedById", "LastModifiedById"):
                out.append(
                    {
                        "cascadeDelete": obj.name == "PermissionSetAssignment",
                        "childSObject": obj.name,
                        "deprecatedAndHidden": False,
                        "field": f.name,
                        "junctionIdListNames": [],
                        "junctionReferenceTo": [],
                        "relationshipName": names.get((obj.name, f.name)),
                        "restrictedDelete": False,
                    }
                )
    return out


def describe(
    name: str, api_version: str = DEFAULT_API_VERSION, sdef: SObjectDef | None = None
) -> dict[str, Any] | None:
    """The REST ``/services/data/vXX.X/sobjects/{name}/describe`` body, or None for an unknown sObject.

    Mirrors the DescribeSObjectResult shape (REST guide "sObject Describe"); flags that drive behaviour come from the
    definitions above, the rest are the constant values a standard setup object reports. ``sdef`` is an org's own
    definition (with its custom fields) when it has one."""
    obj = sdef or sobject(name)
    if obj is None:
        return None
    base = f"/services/data/v{api_version}/sobjects/{obj.name}"
    return {
        "actionOverrides": [],
        "activateable": False,
        "associateEntityType": None,
        "associateParentEntity": None,
        "childRelationships": _child_relationships(obj.name),
        "compactLayoutable": obj.name == "User",
        "createable": obj.createable,
        "custom": False,
        "customSetting": False,
        "deepCloneable": False,
        "defaultImplementation": None,
        "deletable": obj.deletable,
        "deprecatedAndHidden": False,
        "extendedBy": None,
        "extendsInterfaces": None,
        "feedEnabled": obj.name == "User",
        "fields": [_describe_field(f) for f in obj.fields],
        "hasSubtypes": False,
        "implementedBy": None,
        "implementsInterfaces": None,
        "isInterface": False,
        "isSubtype": False,
        "keyPrefix": obj.key_prefix,
        "label": obj.label,
        "labelPlural": obj.label_plural,
        "layoutable": obj.name in ("User", "Profile"),
        "listviewable": None,
        "lookupLayoutable": None,
        "mergeable": False,
        "mruEnabled": obj.name == "User",
        "name": obj.name,
        "namedLayoutInfos": [],
        "networkScopeFieldName": None,
        "queryable": obj.queryable,
        "recordTypeInfos": [],
        "replicateable": True,
        "retrieveable": obj.retrieveable,
        "searchLayoutable": obj.searchable,
        "searchable": obj.searchable,
        "sobjectDescribeOption": "FULL",
        "supportedScopes": [{"label": "All users", "name": "everything"}] if obj.name == "User" else [],
        "triggerable": obj.name == "User",
        "undeletable": False,
        "updateable": obj.updateable,
        "urls": {
            "uiEditTemplate": None,
            "sobject": base,
            "uiDetailTemplate": None,
            "describe": f"{base}/describe",
            "rowTemplate": f"{base}/{{ID}}",
            "uiNewRecord": None,
        },
    }

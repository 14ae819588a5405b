//! Fields of the legacy CRM entities: deal, lead, contact, company.

use super::{FieldDef as F, IMM, LazySchema, MULT, NOLEGACY, NOSTAR, RO, Schema, Ty, UF};

#[rustfmt::skip]
macro_rules! utm_fields {
    () => {
        [
            F::new("UTM_SOURCE", "utmSource", Ty::Str, "string", 0, "Рекламная система"),
            F::new("UTM_MEDIUM", "utmMedium", Ty::Str, "string", 0, "Тип трафика"),
            F::new("UTM_CAMPAIGN", "utmCampaign", Ty::Str, "string", 0, "Обозначение рекламной кампании"),
            F::new("UTM_CONTENT", "utmContent", Ty::Str, "string", 0, "Содержание кампании"),
            F::new("UTM_TERM", "utmTerm", Ty::Str, "string", 0, "Условие поиска кампании"),
        ]
    };
}

#[rustfmt::skip]
macro_rules! multi_fields {
    () => {
        [
            F::new("PHONE", "", Ty::Multi, "crm_multifield", MULT | NOSTAR, "Телефон"),
            F::new("EMAIL", "", Ty::Multi, "crm_multifield", MULT | NOSTAR, "E-mail"),
            F::new("WEB", "", Ty::Multi, "crm_multifield", MULT | NOSTAR, "Сайт"),
            F::new("IM", "", Ty::Multi, "crm_multifield", MULT | NOSTAR, "Мессенджер"),
        ]
    };
}

/// Concatenates field arrays into one static slice at compile time.
macro_rules! concat_fields {
    ($name:ident = [$($part:expr),* $(,)?]) => {
        const $name: &[F] = &{
            const PARTS: &[&[F]] = &[$(&$part),*];
            const LEN: usize = {
                let mut n = 0;
                let mut i = 0;
                while i < PARTS.len() {
                    n += PARTS[i].len();
                    i += 1;
                }
                n
            };
            let mut out = [F::new("", "", Ty::Str, "", 0, ""); LEN];
            let mut k = 0;
            let mut i = 0;
            while i < PARTS.len() {
                let mut j = 0;
                while j < PARTS[i].len() {
                    out[k] = PARTS[i][j];
                    k += 1;
                    j += 1;
                }
                i += 1;
            }
            out
        };
    };
}

#[rustfmt::skip]
const DEAL_OWN: [F; 39] = [
    F::new("ID", "id", Ty::Int, "integer", RO, "ID"),
    F::new("TITLE", "title", Ty::Str, "string", 0, "Название"),
    F::new("TYPE_ID", "typeId", Ty::Str, "crm_status", 0, "Тип").status("DEAL_TYPE"),
    F::new("CATEGORY_ID", "categoryId", Ty::Int, "crm_category", IMM, "Воронка"),
    F::new("STAGE_ID", "stageId", Ty::Str, "crm_status", 0, "Стадия сделки").status("DEAL_STAGE"),
    F::new("STAGE_SEMANTIC_ID", "stageSemanticId", Ty::Str, "string", RO, "Группа стадии"),
    F::new("IS_NEW", "isNew", Ty::Char, "char", RO, "Новая сделка"),
    F::new("IS_RECURRING", "isRecurring", Ty::Char, "char", 0, "Регулярная сделка"),
    F::new("IS_RETURN_CUSTOMER", "isReturnCustomer", Ty::Char, "char", RO, "Повторная сделка"),
    F::new("IS_REPEATED_APPROACH", "isRepeatedApproach", Ty::Char, "char", RO, "Повторное обращение"),
    F::new("PROBABILITY", "probability", Ty::Int, "integer", 0, "Вероятность"),
    F::new("CURRENCY_ID", "currencyId", Ty::Str, "crm_currency", 0, "Валюта"),
    F::new("OPPORTUNITY", "opportunity", Ty::Double, "double", 0, "Сумма"),
    F::new("IS_MANUAL_OPPORTUNITY", "isManualOpportunity", Ty::Char, "char", 0, "Сумма заполняется вручную"),
    F::new("TAX_VALUE", "taxValue", Ty::Double, "double", 0, "Ставка налога"),
    F::new("COMPANY_ID", "companyId", Ty::Int, "crm_company", 0, "Компания"),
    F::new("CONTACT_ID", "contactId", Ty::Int, "crm_contact", 0, "Контакт"),
    F::new("CONTACT_IDS", "contactIds", Ty::IntList, "crm_contact", MULT | NOSTAR | NOLEGACY, "Контакты"),
    F::new("QUOTE_ID", "quoteId", Ty::Int, "crm_quote", RO, "Предложение"),
    F::new("BEGINDATE", "begindate", Ty::Date, "date", 0, "Дата начала"),
    F::new("CLOSEDATE", "closedate", Ty::Date, "date", 0, "Предполагаемая дата закрытия"),
    F::new("OPENED", "opened", Ty::Char, "char", 0, "Доступна для всех"),
    F::new("CLOSED", "closed", Ty::Char, "char", 0, "Закрыта"),
    F::new("COMMENTS", "comments", Ty::Str, "string", 0, "Комментарий"),
    F::new("ASSIGNED_BY_ID", "assignedById", Ty::Int, "user", 0, "Ответственный"),
    F::new("CREATED_BY_ID", "createdBy", Ty::Int, "user", RO, "Кем создана"),
    F::new("MODIFY_BY_ID", "updatedBy", Ty::Int, "user", RO, "Кем изменена"),
    F::new("MOVED_BY_ID", "movedBy", Ty::Int, "user", RO, "Кем перемещена"),
    F::new("DATE_CREATE", "createdTime", Ty::DateTime, "datetime", RO, "Дата создания"),
    F::new("DATE_MODIFY", "updatedTime", Ty::DateTime, "datetime", RO, "Дата изменения"),
    F::new("MOVED_TIME", "movedTime", Ty::DateTime, "datetime", RO, "Дата перемещения"),
    F::new("SOURCE_ID", "sourceId", Ty::Str, "crm_status", 0, "Источник").status("SOURCE"),
    F::new("SOURCE_DESCRIPTION", "sourceDescription", Ty::Str, "string", 0, "Дополнительно об источнике"),
    F::new("LEAD_ID", "leadId", Ty::Int, "crm_lead", RO, "Лид"),
    F::new("ADDITIONAL_INFO", "additionalInfo", Ty::Str, "string", 0, "Дополнительная информация"),
    F::new("ORIGINATOR_ID", "originatorId", Ty::Str, "string", 0, "Внешний источник"),
    F::new("ORIGIN_ID", "originId", Ty::Str, "string", 0, "Идентификатор элемента во внешнем источнике"),
    F::new("LAST_ACTIVITY_TIME", "lastActivityTime", Ty::DateTime, "datetime", RO, "Последняя активность"),
    F::new("LAST_ACTIVITY_BY", "lastActivityBy", Ty::Int, "user", RO, "Автор последней активности"),
];

#[rustfmt::skip]
const DEAL_UF: [F; 1] = [F::new("UF_CRM_1721244482250", "ufCrm_1721244482250", Ty::Str, "string", UF, "Адрес доставки")];

concat_fields!(DEAL_FIELDS = [DEAL_OWN, utm_fields!(), DEAL_UF]);

#[rustfmt::skip]
const LEAD_OWN: [F; 39] = [
    F::new("ID", "id", Ty::Int, "integer", RO, "ID"),
    F::new("TITLE", "title", Ty::Str, "string", 0, "Название лида"),
    F::new("HONORIFIC", "honorific", Ty::Str, "crm_status", 0, "Обращение").status("HONORIFIC"),
    F::new("NAME", "name", Ty::Str, "string", 0, "Имя"),
    F::new("SECOND_NAME", "secondName", Ty::Str, "string", 0, "Отчество"),
    F::new("LAST_NAME", "lastName", Ty::Str, "string", 0, "Фамилия"),
    F::new("BIRTHDATE", "birthdate", Ty::Date, "date", 0, "Дата рождения"),
    F::new("COMPANY_TITLE", "companyTitle", Ty::Str, "string", 0, "Название компании"),
    F::new("SOURCE_ID", "sourceId", Ty::Str, "crm_status", 0, "Источник").status("SOURCE"),
    F::new("SOURCE_DESCRIPTION", "sourceDescription", Ty::Str, "string", 0, "Дополнительно об источнике"),
    F::new("STATUS_ID", "stageId", Ty::Str, "crm_status", 0, "Стадия").status("STATUS"),
    F::new("STATUS_DESCRIPTION", "statusDescription", Ty::Str, "string", 0, "Дополнительно о стадии"),
    F::new("STATUS_SEMANTIC_ID", "stageSemanticId", Ty::Str, "string", RO, "Группа стадии"),
    F::new("POST", "post", Ty::Str, "string", 0, "Должность"),
    F::new("ADDRESS", "address", Ty::Str, "string", 0, "Адрес"),
    F::new("CURRENCY_ID", "currencyId", Ty::Str, "crm_currency", 0, "Валюта"),
    F::new("OPPORTUNITY", "opportunity", Ty::Double, "double", 0, "Сумма"),
    F::new("IS_MANUAL_OPPORTUNITY", "isManualOpportunity", Ty::Char, "char", 0, "Сумма заполняется вручную"),
    F::new("OPENED", "opened", Ty::Char, "char", 0, "Доступен для всех"),
    F::new("COMMENTS", "comments", Ty::Str, "string", 0, "Комментарий"),
    F::new("HAS_PHONE", "hasPhone", Ty::Char, "char", RO, "Задан телефон"),
    F::new("HAS_EMAIL", "hasEmail", Ty::Char, "char", RO, "Задан e-mail"),
    F::new("HAS_IMOL", "hasImol", Ty::Char, "char", RO, "Задана открытая линия"),
    F::new("ASSIGNED_BY_ID", "assignedById", Ty::Int, "user", 0, "Ответственный"),
    F::new("CREATED_BY_ID", "createdBy", Ty::Int, "user", RO, "Кем создан"),
    F::new("MODIFY_BY_ID", "updatedBy", Ty::Int, "user", RO, "Кем изменён"),
    F::new("MOVED_BY_ID", "movedBy", Ty::Int, "user", RO, "Кем перемещён"),
    F::new("DATE_CREATE", "createdTime", Ty::DateTime, "datetime", RO, "Дата создания"),
    F::new("DATE_MODIFY", "updatedTime", Ty::DateTime, "datetime", RO, "Дата изменения"),
    F::new("MOVED_TIME", "movedTime", Ty::DateTime, "datetime", RO, "Дата перемещения"),
    F::new("COMPANY_ID", "companyId", Ty::Int, "crm_company", 0, "Компания"),
    F::new("CONTACT_ID", "contactId", Ty::Int, "crm_contact", 0, "Контакт"),
    F::new("CONTACT_IDS", "contactIds", Ty::IntList, "crm_contact", MULT | NOSTAR | NOLEGACY, "Контакты"),
    F::new("IS_RETURN_CUSTOMER", "isReturnCustomer", Ty::Char, "char", RO, "Повторный лид"),
    F::new("DATE_CLOSED", "", Ty::DateTime, "datetime", RO, "Дата закрытия"),
    F::new("ORIGINATOR_ID", "originatorId", Ty::Str, "string", 0, "Внешний источник"),
    F::new("ORIGIN_ID", "originId", Ty::Str, "string", 0, "Идентификатор элемента во внешнем источнике"),
    F::new("LAST_ACTIVITY_TIME", "lastActivityTime", Ty::DateTime, "datetime", RO, "Последняя активность"),
    F::new("LAST_ACTIVITY_BY", "lastActivityBy", Ty::Int, "user", RO, "Автор последней активности"),
];

concat_fields!(LEAD_FIELDS = [LEAD_OWN, utm_fields!(), multi_fields!()]);

#[rustfmt::skip]
const CONTACT_OWN: [F; 31] = [
    F::new("ID", "id", Ty::Int, "integer", RO, "ID"),
    F::new("HONORIFIC", "honorific", Ty::Str, "crm_status", 0, "Обращение").status("HONORIFIC"),
    F::new("NAME", "name", Ty::Str, "string", 0, "Имя"),
    F::new("SECOND_NAME", "secondName", Ty::Str, "string", 0, "Отчество"),
    F::new("LAST_NAME", "lastName", Ty::Str, "string", 0, "Фамилия"),
    F::new("BIRTHDATE", "birthdate", Ty::Date, "date", 0, "Дата рождения"),
    F::new("TYPE_ID", "typeId", Ty::Str, "crm_status", 0, "Тип контакта").status("CONTACT_TYPE"),
    F::new("SOURCE_ID", "sourceId", Ty::Str, "crm_status", 0, "Источник").status("SOURCE"),
    F::new("SOURCE_DESCRIPTION", "sourceDescription", Ty::Str, "string", 0, "Дополнительно об источнике"),
    F::new("POST", "post", Ty::Str, "string", 0, "Должность"),
    F::new("ADDRESS", "address", Ty::Str, "string", 0, "Адрес"),
    F::new("COMMENTS", "comments", Ty::Str, "string", 0, "Комментарий"),
    F::new("OPENED", "opened", Ty::Char, "char", 0, "Доступен для всех"),
    F::new("EXPORT", "export", Ty::Char, "char", 0, "Участвует в экспорте контактов"),
    F::new("HAS_PHONE", "hasPhone", Ty::Char, "char", RO, "Задан телефон"),
    F::new("HAS_EMAIL", "hasEmail", Ty::Char, "char", RO, "Задан e-mail"),
    F::new("HAS_IMOL", "hasImol", Ty::Char, "char", RO, "Задана открытая линия"),
    F::new("ASSIGNED_BY_ID", "assignedById", Ty::Int, "user", 0, "Ответственный"),
    F::new("CREATED_BY_ID", "createdBy", Ty::Int, "user", RO, "Кем создан"),
    F::new("MODIFY_BY_ID", "updatedBy", Ty::Int, "user", RO, "Кем изменён"),
    F::new("DATE_CREATE", "createdTime", Ty::DateTime, "datetime", RO, "Дата создания"),
    F::new("DATE_MODIFY", "updatedTime", Ty::DateTime, "datetime", RO, "Дата изменения"),
    F::new("COMPANY_ID", "companyId", Ty::Int, "crm_company", 0, "Компания"),
    F::new("COMPANY_IDS", "companyIds", Ty::IntList, "crm_company", MULT | NOSTAR | NOLEGACY, "Компании"),
    F::new("LEAD_ID", "leadId", Ty::Int, "crm_lead", RO, "Лид"),
    F::new("ORIGINATOR_ID", "originatorId", Ty::Str, "string", 0, "Внешний источник"),
    F::new("ORIGIN_ID", "originId", Ty::Str, "string", 0, "Идентификатор элемента во внешнем источнике"),
    F::new("LAST_ACTIVITY_TIME", "lastActivityTime", Ty::DateTime, "datetime", RO, "Последняя активность"),
    F::new("LAST_ACTIVITY_BY", "lastActivityBy", Ty::Int, "user", RO, "Автор последней активности"),
    F::new("PHOTO", "photo", Ty::Str, "file", 0, "Фотография"),
    F::new("IS_RETURN_CUSTOMER", "", Ty::Char, "char", RO | NOLEGACY, "Повторный контакт"),
];

concat_fields!(CONTACT_FIELDS = [CONTACT_OWN, utm_fields!(), multi_fields!()]);

#[rustfmt::skip]
const COMPANY_OWN: [F; 27] = [
    F::new("ID", "id", Ty::Int, "integer", RO, "ID"),
    F::new("TITLE", "title", Ty::Str, "string", 0, "Название компании"),
    F::new("COMPANY_TYPE", "typeId", Ty::Str, "crm_status", 0, "Тип компании").status("COMPANY_TYPE"),
    F::new("INDUSTRY", "industry", Ty::Str, "crm_status", 0, "Сфера деятельности").status("INDUSTRY"),
    F::new("EMPLOYEES", "employees", Ty::Str, "crm_status", 0, "Кол-во сотрудников").status("EMPLOYEES"),
    F::new("CURRENCY_ID", "currencyId", Ty::Str, "crm_currency", 0, "Валюта"),
    F::new("REVENUE", "revenue", Ty::Double, "double", 0, "Годовой оборот"),
    F::new("ADDRESS", "address", Ty::Str, "string", 0, "Адрес"),
    F::new("ADDRESS_LEGAL", "addressLegal", Ty::Str, "string", 0, "Юридический адрес"),
    F::new("BANKING_DETAILS", "bankingDetails", Ty::Str, "string", 0, "Реквизиты банка"),
    F::new("COMMENTS", "comments", Ty::Str, "string", 0, "Комментарий"),
    F::new("OPENED", "opened", Ty::Char, "char", 0, "Доступна для всех"),
    F::new("IS_MY_COMPANY", "isMyCompany", Ty::Char, "char", 0, "Моя компания"),
    F::new("HAS_PHONE", "hasPhone", Ty::Char, "char", RO, "Задан телефон"),
    F::new("HAS_EMAIL", "hasEmail", Ty::Char, "char", RO, "Задан e-mail"),
    F::new("HAS_IMOL", "hasImol", Ty::Char, "char", RO, "Задана открытая линия"),
    F::new("ASSIGNED_BY_ID", "assignedById", Ty::Int, "user", 0, "Ответственный"),
    F::new("CREATED_BY_ID", "createdBy", Ty::Int, "user", RO, "Кем создана"),
    F::new("MODIFY_BY_ID", "updatedBy", Ty::Int, "user", RO, "Кем изменена"),
    F::new("DATE_CREATE", "createdTime", Ty::DateTime, "datetime", RO, "Дата создания"),
    F::new("DATE_MODIFY", "updatedTime", Ty::DateTime, "datetime", RO, "Дата изменения"),
    F::new("LEAD_ID", "leadId", Ty::Int, "crm_lead", RO, "Лид"),
    F::new("ORIGINATOR_ID", "originatorId", Ty::Str, "string", 0, "Внешний источник"),
    F::new("ORIGIN_ID", "originId", Ty::Str, "string", 0, "Идентификатор элемента во внешнем источнике"),
    F::new("LAST_ACTIVITY_TIME", "lastActivityTime", Ty::DateTime, "datetime", RO, "Последняя активность"),
    F::new("LAST_ACTIVITY_BY", "lastActivityBy", Ty::Int, "user", RO, "Автор последней активности"),
    F::new("IS_RETURN_CUSTOMER", "", Ty::Char, "char", RO | NOLEGACY, "Повторная компания"),
];

concat_fields!(COMPANY_FIELDS = [COMPANY_OWN, utm_fields!(), multi_fields!()]);

/// Deals (`crm.deal.*`, `crm.item` with `entityTypeId=2`).
pub(crate) static DEAL: LazySchema = LazySchema::new(|| Schema::build("deals", DEAL_FIELDS));
/// Leads (`crm.lead.*`, `entityTypeId=1`).
pub(crate) static LEAD: LazySchema = LazySchema::new(|| Schema::build("leads", LEAD_FIELDS));
/// Contacts (`crm.contact.*`, `entityTypeId=3`).
pub(crate) static CONTACT: LazySchema =
    LazySchema::new(|| Schema::build("contacts", CONTACT_FIELDS));
/// Companies (`crm.company.*`, `entityTypeId=4`).
pub(crate) static COMPANY: LazySchema =
    LazySchema::new(|| Schema::build("companies", COMPANY_FIELDS));

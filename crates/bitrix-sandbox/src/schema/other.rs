//! Fields of the non-CRM-entity tables: users, departments, directories, pipelines,
//! tasks, comments, activities and messages.

use super::{FieldDef as F, IMM, LazySchema, MULT, OMIT_NULL, REQ, RO, Schema, Ty};

#[rustfmt::skip]
const USER_FIELDS: &[F] = &[
    F::new("ID", "id", Ty::Int, "integer", RO, "ID"),
    F::new("XML_ID", "", Ty::Str, "string", 0, "Внешний код"),
    F::new("ACTIVE", "", Ty::Bool, "boolean", 0, "Активность"),
    F::new("NAME", "", Ty::Str, "string", 0, "Имя"),
    F::new("LAST_NAME", "", Ty::Str, "string", 0, "Фамилия"),
    F::new("SECOND_NAME", "", Ty::Str, "string", 0, "Отчество"),
    F::new("EMAIL", "", Ty::Str, "string", 0, "E-mail"),
    F::new("LAST_LOGIN", "", Ty::DateTime, "datetime", RO, "Последняя авторизация"),
    F::new("DATE_REGISTER", "", Ty::DateTime, "datetime", RO, "Дата регистрации"),
    F::new("TIME_ZONE", "", Ty::Str, "string", 0, "Часовой пояс"),
    F::new("IS_ONLINE", "", Ty::Char, "char", RO, "В сети"),
    F::new("TIMESTAMP_X", "", Ty::PortalDateTime, "datetime", RO, "Дата изменения"),
    F::new("LAST_ACTIVITY_DATE", "", Ty::SqlDateTime, "datetime", RO, "Последняя активность"),
    F::new("PERSONAL_GENDER", "", Ty::Str, "string", 0, "Пол"),
    F::new("PERSONAL_BIRTHDAY", "", Ty::Date, "date", 0, "Дата рождения"),
    F::new("PERSONAL_MOBILE", "", Ty::Str, "string", 0, "Мобильный телефон"),
    F::new("PERSONAL_CITY", "", Ty::Str, "string", 0, "Город"),
    F::new("WORK_PHONE", "", Ty::Str, "string", 0, "Рабочий телефон"),
    F::new("WORK_POSITION", "", Ty::Str, "string", 0, "Должность"),
    F::new("UF_EMPLOYMENT_DATE", "", Ty::Date, "date", 0, "Дата принятия на работу"),
    F::new("UF_DEPARTMENT", "", Ty::IntList, "integer", MULT, "Подразделения"),
    F::new("UF_PHONE_INNER", "", Ty::Str, "string", 0, "Внутренний телефон"),
    F::new("USER_TYPE", "", Ty::Str, "string", RO, "Тип пользователя"),
];

#[rustfmt::skip]
const DEPARTMENT_FIELDS: &[F] = &[
    F::new("ID", "", Ty::Int, "integer", RO, "ID"),
    F::new("NAME", "", Ty::Str, "string", REQ, "Название"),
    F::new("SORT", "", Ty::IntNum, "integer", 0, "Сортировка"),
    F::new("PARENT", "", Ty::Int, "integer", OMIT_NULL, "Вышестоящее подразделение"),
    F::new("UF_HEAD", "", Ty::Int, "integer", OMIT_NULL, "Руководитель"),
];

#[rustfmt::skip]
const STATUS_FIELDS: &[F] = &[
    F::new("ID", "", Ty::Int, "integer", RO, "ID"),
    F::new("ENTITY_ID", "", Ty::Str, "string", REQ, "Справочник"),
    F::new("STATUS_ID", "", Ty::Str, "string", REQ, "Код"),
    F::new("NAME", "", Ty::Str, "string", REQ, "Название"),
    F::new("NAME_INIT", "", Ty::Str, "string", RO | OMIT_NULL, "Исходное название"),
    F::new("SORT", "", Ty::Int, "integer", 0, "Сортировка"),
    F::new("SYSTEM", "", Ty::Char, "char", RO, "Системный"),
    F::new("CATEGORY_ID", "", Ty::Int, "integer", RO, "Воронка"),
    F::new("COLOR", "", Ty::Str, "string", 0, "Цвет"),
    F::new("SEMANTICS", "", Ty::Str, "string", 0, "Семантика"),
];

#[rustfmt::skip]
const CATEGORY_FIELDS: &[F] = &[
    F::new("ID", "id", Ty::Int, "integer", RO, "ID"),
    F::new("NAME", "name", Ty::Str, "string", REQ, "Название"),
    F::new("SORT", "sort", Ty::Int, "integer", 0, "Сортировка"),
    F::new("ENTITY_TYPE_ID", "entityTypeId", Ty::Int, "integer", IMM, "Тип сущности"),
    F::new("IS_DEFAULT", "isDefault", Ty::Char, "char", RO, "По умолчанию"),
    F::new("ORIGIN_ID", "originId", Ty::Str, "string", 0, "Внешний код"),
    F::new("ORIGINATOR_ID", "originatorId", Ty::Str, "string", 0, "Внешний источник"),
];

#[rustfmt::skip]
const TASK_FIELDS: &[F] = &[
    F::new("ID", "id", Ty::Int, "integer", RO, "ID"),
    F::new("PARENT_ID", "parentId", Ty::Int, "integer", 0, "Базовая задача"),
    F::new("TITLE", "title", Ty::Str, "string", REQ, "Название"),
    F::new("DESCRIPTION", "description", Ty::Str, "string", 0, "Описание"),
    F::new("MARK", "mark", Ty::Str, "string", 0, "Оценка"),
    F::new("PRIORITY", "priority", Ty::Int, "enum", 0, "Приоритет"),
    F::new("STATUS", "status", Ty::Int, "enum", 0, "Статус"),
    F::new("MULTITASK", "multitask", Ty::Char, "char", 0, "Множественная задача"),
    F::new("GROUP_ID", "groupId", Ty::Int, "integer", 0, "Проект"),
    F::new("STAGE_ID", "stageId", Ty::Int, "integer", 0, "Стадия"),
    F::new("CREATED_BY", "createdBy", Ty::Int, "integer", 0, "Постановщик"),
    F::new("CREATED_DATE", "createdDate", Ty::DateTime, "datetime", RO, "Дата создания"),
    F::new("RESPONSIBLE_ID", "responsibleId", Ty::Int, "integer", REQ, "Исполнитель"),
    F::new("ACCOMPLICES", "accomplices", Ty::IntList, "array", MULT, "Соисполнители"),
    F::new("AUDITORS", "auditors", Ty::IntList, "array", MULT, "Наблюдатели"),
    F::new("CHANGED_BY", "changedBy", Ty::Int, "integer", RO, "Кем изменена"),
    F::new("CHANGED_DATE", "changedDate", Ty::DateTime, "datetime", RO, "Дата изменения"),
    F::new("STATUS_CHANGED_DATE", "statusChangedDate", Ty::DateTime, "datetime", RO, "Дата изменения статуса"),
    F::new("CLOSED_BY", "closedBy", Ty::Int, "integer", RO, "Кем завершена"),
    F::new("CLOSED_DATE", "closedDate", Ty::DateTime, "datetime", RO, "Дата завершения"),
    F::new("DATE_START", "dateStart", Ty::DateTime, "datetime", RO, "Дата начала"),
    F::new("DEADLINE", "deadline", Ty::DateTime, "datetime", 0, "Крайний срок"),
    F::new("START_DATE_PLAN", "startDatePlan", Ty::DateTime, "datetime", 0, "Плановое начало"),
    F::new("END_DATE_PLAN", "endDatePlan", Ty::DateTime, "datetime", 0, "Плановое завершение"),
    F::new("ACTIVITY_DATE", "activityDate", Ty::DateTime, "datetime", RO, "Дата последней активности"),
    F::new("TAGS", "tags", Ty::StrList, "array", MULT, "Теги"),
    F::new("UF_CRM_TASK", "ufCrmTask", Ty::StrList, "crm", MULT, "Элементы CRM"),
];

#[rustfmt::skip]
const TASK_COMMENT_FIELDS: &[F] = &[
    F::new("ID", "", Ty::Int, "integer", RO, "ID"),
    F::new("TASK_ID", "", Ty::Int, "integer", REQ, "Задача"),
    F::new("AUTHOR_ID", "", Ty::Int, "integer", 0, "Автор"),
    F::new("POST_MESSAGE", "", Ty::Str, "string", REQ, "Текст"),
    F::new("POST_DATE", "", Ty::DateTime, "datetime", RO, "Дата"),
];

#[rustfmt::skip]
const TIMELINE_COMMENT_FIELDS: &[F] = &[
    F::new("ID", "", Ty::Int, "integer", RO, "ID"),
    F::new("CREATED", "", Ty::DateTime, "datetime", RO, "Дата создания"),
    F::new("ENTITY_ID", "", Ty::Int, "integer", REQ, "ID элемента"),
    F::new("ENTITY_TYPE", "", Ty::Str, "string", REQ, "Тип элемента"),
    F::new("AUTHOR_ID", "", Ty::Int, "user", 0, "Автор"),
    F::new("COMMENT", "", Ty::Str, "string", REQ, "Комментарий"),
];

#[rustfmt::skip]
const ACTIVITY_FIELDS: &[F] = &[
    F::new("ID", "id", Ty::Int, "integer", RO, "ID"),
    F::new("OWNER_ID", "ownerId", Ty::Int, "integer", REQ, "ID владельца"),
    F::new("OWNER_TYPE_ID", "ownerTypeId", Ty::Int, "integer", REQ, "Тип владельца"),
    F::new("TYPE_ID", "typeId", Ty::Int, "integer", REQ, "Тип"),
    F::new("PROVIDER_ID", "providerId", Ty::Str, "string", 0, "Провайдер"),
    F::new("PROVIDER_TYPE_ID", "providerTypeId", Ty::Str, "string", 0, "Тип провайдера"),
    F::new("SUBJECT", "subject", Ty::Str, "string", 0, "Тема"),
    F::new("CREATED", "created", Ty::DateTime, "datetime", RO, "Дата создания"),
    F::new("LAST_UPDATED", "lastUpdated", Ty::DateTime, "datetime", RO, "Дата изменения"),
    F::new("START_TIME", "startTime", Ty::DateTime, "datetime", 0, "Начало"),
    F::new("END_TIME", "endTime", Ty::DateTime, "datetime", 0, "Окончание"),
    F::new("DEADLINE", "deadline", Ty::DateTime, "datetime", 0, "Крайний срок"),
    F::new("COMPLETED", "completed", Ty::Char, "char", 0, "Выполнено"),
    F::new("STATUS", "status", Ty::Int, "crm_enum_activitystatus", 0, "Статус"),
    F::new("RESPONSIBLE_ID", "responsibleId", Ty::Int, "user", REQ, "Ответственный"),
    F::new("PRIORITY", "priority", Ty::Int, "crm_enum_activitypriority", 0, "Важность"),
    F::new("DESCRIPTION", "description", Ty::Str, "string", 0, "Описание"),
    F::new("DESCRIPTION_TYPE", "descriptionType", Ty::Int, "crm_enum_contenttype", 0, "Тип описания"),
    F::new("DIRECTION", "direction", Ty::Int, "crm_enum_activitydirection", 0, "Направление"),
    F::new("AUTHOR_ID", "authorId", Ty::Int, "user", RO, "Автор"),
    F::new("EDITOR_ID", "editorId", Ty::Int, "user", RO, "Кем изменено"),
];

#[rustfmt::skip]
const MESSAGE_FIELDS: &[F] = &[
    F::new("ID", "", Ty::Int, "integer", RO, "ID"),
    F::new("DIALOG_ID", "", Ty::Str, "string", REQ, "Диалог"),
    F::new("AUTHOR_ID", "", Ty::Int, "integer", RO, "Автор"),
    F::new("MESSAGE", "", Ty::Str, "string", REQ, "Сообщение"),
    F::new("SYSTEM", "", Ty::Char, "char", 0, "Системное"),
    F::new("DATE", "", Ty::DateTime, "datetime", RO, "Дата"),
];

#[rustfmt::skip]
const NOTIFICATION_FIELDS: &[F] = &[
    F::new("ID", "", Ty::Int, "integer", RO, "ID"),
    F::new("USER_ID", "", Ty::Int, "integer", REQ, "Получатель"),
    F::new("AUTHOR_ID", "", Ty::Int, "integer", RO, "Автор"),
    F::new("TYPE", "", Ty::Str, "string", RO, "Тип"),
    F::new("MESSAGE", "", Ty::Str, "string", REQ, "Сообщение"),
    F::new("MESSAGE_OUT", "", Ty::Str, "string", 0, "Сообщение для e-mail"),
    F::new("TAG", "", Ty::Str, "string", 0, "Тег"),
    F::new("DATE", "", Ty::DateTime, "datetime", RO, "Дата"),
];

/// Users (`user.*`).
pub(crate) static USER: LazySchema = LazySchema::new(|| Schema::build("users", USER_FIELDS));
/// Departments (`department.get`).
pub(crate) static DEPARTMENT: LazySchema =
    LazySchema::new(|| Schema::build("departments", DEPARTMENT_FIELDS));
/// Directory entries and stages (`crm.status.list`).
pub(crate) static STATUS: LazySchema = LazySchema::new(|| Schema::build("statuses", STATUS_FIELDS));
/// Deal pipelines (`crm.category.list`).
pub(crate) static CATEGORY: LazySchema =
    LazySchema::new(|| Schema::build("categories", CATEGORY_FIELDS));
/// Tasks (`tasks.task.*`).
pub(crate) static TASK: LazySchema = LazySchema::new(|| Schema::build("tasks", TASK_FIELDS));
/// Task comments (`task.commentitem.*`).
pub(crate) static TASK_COMMENT: LazySchema =
    LazySchema::new(|| Schema::build("task_comments", TASK_COMMENT_FIELDS));
/// Timeline comments (`crm.timeline.comment.*`).
pub(crate) static TIMELINE_COMMENT: LazySchema =
    LazySchema::new(|| Schema::build("timeline_comments", TIMELINE_COMMENT_FIELDS));
/// CRM activities (`crm.activity.*`).
pub(crate) static ACTIVITY: LazySchema =
    LazySchema::new(|| Schema::build("activities", ACTIVITY_FIELDS));
/// Chat messages sent through `im.message.add`.
pub(crate) static MESSAGE: LazySchema =
    LazySchema::new(|| Schema::build("messages", MESSAGE_FIELDS));
/// Notifications sent through `im.notify.*`.
pub(crate) static NOTIFICATION: LazySchema =
    LazySchema::new(|| Schema::build("notifications", NOTIFICATION_FIELDS));

//! The standard catalog: the methods, their risk classes and the canary allowlist.

use super::Risk::{self, Read, Risky, Write};
use super::{Family, MethodSpec};

const fn m(name: &'static str, risk: Risk, params: &'static str) -> MethodSpec {
    MethodSpec {
        name,
        risk,
        canary: false,
        params,
    }
}

const fn canary(name: &'static str, risk: Risk, params: &'static str) -> MethodSpec {
    MethodSpec {
        name,
        risk,
        canary: true,
        params,
    }
}

const LIST: &str = "{filter, select, order, start}";

/// The standard catalog, in the order the prompt shows it.
pub const FAMILIES: &[Family] = &[
    Family {
        about: "deals",
        methods: &[
            m("crm.deal.get", Read, "{id}"),
            m("crm.deal.list", Read, LIST),
            m("crm.deal.fields", Read, "{}"),
            m("crm.deal.add", Write, "{fields}"),
            m("crm.deal.update", Write, "{id, fields}"),
            m("crm.deal.delete", Risky, "{id}"),
        ],
        notes: "fields: TITLE, STAGE_ID (stage code, see pipelines), CATEGORY_ID, OPPORTUNITY, CURRENCY_ID, ASSIGNED_BY_ID (user id), CONTACT_ID, COMPANY_ID, CLOSEDATE, COMMENTS; moving to a won/lost stage is risky",
    },
    Family {
        about: "leads",
        methods: &[
            m("crm.lead.get", Read, "{id}"),
            m("crm.lead.list", Read, LIST),
            m("crm.lead.fields", Read, "{}"),
            m("crm.lead.add", Write, "{fields}"),
            m("crm.lead.update", Write, "{id, fields}"),
            m("crm.lead.delete", Risky, "{id}"),
        ],
        notes: "fields: TITLE, NAME, LAST_NAME, STATUS_ID, PHONE/EMAIL [{VALUE, VALUE_TYPE}], SOURCE_ID, ASSIGNED_BY_ID, COMMENTS; STATUS_ID JUNK or CONVERTED is risky",
    },
    Family {
        about: "contacts",
        methods: &[
            m("crm.contact.get", Read, "{id}"),
            m("crm.contact.list", Read, LIST),
            m("crm.contact.fields", Read, "{}"),
            m("crm.contact.add", Write, "{fields}"),
            m("crm.contact.update", Write, "{id, fields}"),
            m("crm.contact.delete", Risky, "{id}"),
        ],
        notes: "fields: NAME, LAST_NAME, POST, PHONE/EMAIL [{VALUE, VALUE_TYPE}], COMPANY_ID, ASSIGNED_BY_ID",
    },
    Family {
        about: "companies",
        methods: &[
            m("crm.company.get", Read, "{id}"),
            m("crm.company.list", Read, LIST),
            m("crm.company.fields", Read, "{}"),
            m("crm.company.add", Write, "{fields}"),
            m("crm.company.update", Write, "{id, fields}"),
            m("crm.company.delete", Risky, "{id}"),
        ],
        notes: "fields: TITLE, PHONE/EMAIL [{VALUE, VALUE_TYPE}], INDUSTRY, ASSIGNED_BY_ID",
    },
    Family {
        about: "any CRM type by entityTypeId (1 lead, 2 deal, 3 contact, 4 company, 1030+ smart processes); camelCase fields",
        methods: &[
            m("crm.item.get", Read, "{entityTypeId, id}"),
            m(
                "crm.item.list",
                Read,
                "{entityTypeId, filter, select, order, start}",
            ),
            m("crm.item.fields", Read, "{entityTypeId}"),
            m("crm.item.add", Write, "{entityTypeId, fields}"),
            m("crm.item.update", Write, "{entityTypeId, id, fields}"),
            m("crm.item.delete", Risky, "{entityTypeId, id}"),
        ],
        notes: "fields: title, stageId, categoryId, opportunity, currencyId, assignedById, contactId, companyId; rows come under result.items",
    },
    Family {
        about: "pipelines, stages and directories",
        methods: &[
            m("crm.category.list", Read, "{entityTypeId}"),
            m("crm.status.list", Read, "{filter: {ENTITY_ID}}"),
            m(
                "crm.duplicate.findbycomm",
                Read,
                "{type: PHONE|EMAIL, values: [...], entity_type}",
            ),
        ],
        notes: "ENTITY_ID: DEAL_STAGE (pipeline 0), DEAL_STAGE_<n>, STATUS (lead statuses), SOURCE, DEAL_TYPE",
    },
    Family {
        about: "timeline comments",
        methods: &[
            m(
                "crm.timeline.comment.list",
                Read,
                "{filter: {ENTITY_ID, ENTITY_TYPE}}",
            ),
            canary(
                "crm.timeline.comment.add",
                Write,
                "{fields: {ENTITY_ID, ENTITY_TYPE: deal|lead|contact|company, COMMENT}}",
            ),
            m(
                "crm.timeline.comment.delete",
                Risky,
                "{id, ownerTypeId, ownerId}",
            ),
        ],
        notes: "",
    },
    Family {
        about: "activities and to-dos",
        methods: &[
            m("crm.activity.get", Read, "{id}"),
            m("crm.activity.list", Read, LIST),
            canary(
                "crm.activity.todo.add",
                Write,
                "{ownerTypeId, ownerId, deadline, title, description, responsibleId}",
            ),
            m("crm.activity.delete", Risky, "{id}"),
        ],
        notes: "ownerTypeId: 1 lead, 2 deal, 3 contact, 4 company; deadline ISO 8601",
    },
    Family {
        about: "tasks",
        methods: &[
            m("tasks.task.get", Read, "{taskId, select}"),
            m("tasks.task.list", Read, LIST),
            canary(
                "tasks.task.add",
                Write,
                "{fields: {TITLE, RESPONSIBLE_ID, DEADLINE, DESCRIPTION, UF_CRM_TASK: [\"D_<dealId>\"]}}",
            ),
            m("tasks.task.update", Write, "{taskId, fields}"),
            m("tasks.task.complete", Write, "{taskId}"),
            m("tasks.task.delete", Risky, "{taskId}"),
        ],
        notes: "input fields UPPER_SNAKE, output camelCase under result.task / result.tasks",
    },
    Family {
        about: "task comments",
        methods: &[
            m("task.commentitem.getlist", Read, "{TASKID}"),
            canary(
                "task.commentitem.add",
                Write,
                "{TASKID, FIELDS: {POST_MESSAGE}}",
            ),
            m("task.commentitem.delete", Risky, "{TASKID, ITEMID}"),
        ],
        notes: "",
    },
    Family {
        about: "users and departments",
        methods: &[
            m("user.current", Read, "{}"),
            m("user.get", Read, "{filter, sort, order, start}"),
            m("user.search", Read, "{FILTER: {NAME, LAST_NAME} or {FIND}}"),
            m("department.get", Read, "{ID, PARENT}"),
        ],
        notes: "",
    },
    Family {
        about: "notifications and messages",
        methods: &[
            canary("im.notify.personal.add", Write, "{USER_ID, MESSAGE}"),
            canary("im.notify.system.add", Write, "{USER_ID, MESSAGE}"),
            m("im.message.add", Risky, "{DIALOG_ID, MESSAGE}"),
        ],
        notes: "a notification to the user themself is a write; anything sent to other people is risky",
    },
];

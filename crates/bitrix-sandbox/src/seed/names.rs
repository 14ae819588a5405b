//! Word lists for the demo company: people, customers, products, phrases.

/// Departments: name, parent, head user.
pub(crate) const DEPARTMENTS: &[(&str, Option<u64>, u64)] = &[
    ("ООО «ТехноСнаб»", None, 1),
    ("Отдел продаж", Some(1), 2),
    ("Маркетинг", Some(1), 6),
    ("Бухгалтерия", Some(1), 7),
    ("Служба поддержки", Some(1), 8),
];

/// Employees: name, patronymic, last name, gender, position, department, login part.
pub(crate) const EMPLOYEES: &[(&str, &str, &str, &str, &str, u64, &str)] = &[
    (
        "Алексей",
        "Игоревич",
        "Смирнов",
        "M",
        "Генеральный директор",
        1,
        "a.smirnov",
    ),
    (
        "Мария",
        "Сергеевна",
        "Иванова",
        "F",
        "Руководитель отдела продаж",
        2,
        "m.ivanova",
    ),
    (
        "Дмитрий",
        "Олегович",
        "Кузнецов",
        "M",
        "Менеджер по продажам",
        2,
        "d.kuznetsov",
    ),
    (
        "Екатерина",
        "Андреевна",
        "Соколова",
        "F",
        "Менеджер по продажам",
        2,
        "e.sokolova",
    ),
    (
        "Андрей",
        "Викторович",
        "Попов",
        "M",
        "Менеджер по работе с ключевыми клиентами",
        2,
        "a.popov",
    ),
    (
        "Ольга",
        "Павловна",
        "Васильева",
        "F",
        "Маркетолог",
        3,
        "o.vasilyeva",
    ),
    (
        "Сергей",
        "Николаевич",
        "Новиков",
        "M",
        "Главный бухгалтер",
        4,
        "s.novikov",
    ),
    (
        "Наталья",
        "Юрьевна",
        "Морозова",
        "F",
        "Специалист службы поддержки",
        5,
        "n.morozova",
    ),
];

/// The sales team (users who own deals, leads and tasks).
pub(crate) const SALES: &[u64] = &[2, 3, 4, 5, 3, 4];

/// Customers: title, web domain, industry, company type, size, city.
pub(crate) const COMPANIES: &[(&str, &str, &str, &str, &str, &str)] = &[
    (
        "ООО «Ромашка»",
        "romashka-opt.ru",
        "OTHER",
        "CUSTOMER",
        "EMPLOYEES_2",
        "Москва",
    ),
    (
        "АО «СеверСтройИнвест»",
        "sevstroyinvest.ru",
        "MANUFACTURING",
        "CUSTOMER",
        "EMPLOYEES_3",
        "Санкт-Петербург",
    ),
    (
        "ООО «Вектор Плюс»",
        "vector-plus.ru",
        "IT",
        "PARTNER",
        "EMPLOYEES_1",
        "Москва",
    ),
    (
        "ООО «Альфа-Логистик»",
        "alfa-logistic.ru",
        "DELIVERY",
        "CUSTOMER",
        "EMPLOYEES_2",
        "Екатеринбург",
    ),
    (
        "ПАО «Уральские Технологии»",
        "uraltech.ru",
        "MANUFACTURING",
        "CUSTOMER",
        "EMPLOYEES_4",
        "Екатеринбург",
    ),
    (
        "ООО «Меридиан»",
        "meridian-group.ru",
        "CONSULTING",
        "CUSTOMER",
        "EMPLOYEES_1",
        "Казань",
    ),
    (
        "ООО «Горизонт Телеком»",
        "gorizont-telecom.ru",
        "TELECOM",
        "CUSTOMER",
        "EMPLOYEES_2",
        "Новосибирск",
    ),
    (
        "АО «Балтийский Терминал»",
        "baltterminal.ru",
        "DELIVERY",
        "CUSTOMER",
        "EMPLOYEES_3",
        "Калининград",
    ),
    (
        "ООО «Клиника Здоровье»",
        "zdorovie-clinic.ru",
        "OTHER",
        "CUSTOMER",
        "EMPLOYEES_1",
        "Москва",
    ),
    (
        "АНО «Школа Интеллект»",
        "intellekt-school.ru",
        "NOTPROFIT",
        "CUSTOMER",
        "EMPLOYEES_1",
        "Самара",
    ),
    (
        "ООО «Кондитерская фабрика Сластёна»",
        "slastena.ru",
        "MANUFACTURING",
        "CUSTOMER",
        "EMPLOYEES_3",
        "Нижний Новгород",
    ),
    (
        "ООО «Агрохолдинг Заря»",
        "zarya-agro.ru",
        "MANUFACTURING",
        "CUSTOMER",
        "EMPLOYEES_3",
        "Краснодар",
    ),
    (
        "ООО «ФинКонсалт»",
        "finconsult.ru",
        "FINANCE",
        "CUSTOMER",
        "EMPLOYEES_1",
        "Москва",
    ),
    (
        "ООО «Медиагруппа Орбита»",
        "orbita-media.ru",
        "ENTERTAINMENT",
        "CUSTOMER",
        "EMPLOYEES_2",
        "Москва",
    ),
    (
        "ООО «Полимер-М»",
        "polimer-m.ru",
        "MANUFACTURING",
        "SUPPLIER",
        "EMPLOYEES_2",
        "Тула",
    ),
    (
        "ООО «ОфисПоставка»",
        "officepostavka.ru",
        "OTHER",
        "COMPETITOR",
        "EMPLOYEES_2",
        "Москва",
    ),
    (
        "ООО «Сибирская Энергия»",
        "sibenergo.ru",
        "MANUFACTURING",
        "CUSTOMER",
        "EMPLOYEES_4",
        "Красноярск",
    ),
    (
        "ООО «Гранит»",
        "granit-stroy.ru",
        "MANUFACTURING",
        "CUSTOMER",
        "EMPLOYEES_1",
        "Ростов-на-Дону",
    ),
    (
        "ООО «ЭкоФерма»",
        "ecoferma.ru",
        "OTHER",
        "CUSTOMER",
        "EMPLOYEES_1",
        "Тверь",
    ),
    (
        "ИП Белов Игорь Викторович",
        "belov-service.ru",
        "OTHER",
        "CUSTOMER",
        "EMPLOYEES_1",
        "Москва",
    ),
];

/// Streets for addresses.
pub(crate) const STREETS: &[&str] = &[
    "ул. Ленина",
    "ул. Гагарина",
    "пр-т Мира",
    "ул. Садовая",
    "ул. Промышленная",
    "Московское ш.",
    "ул. Заводская",
    "ул. Пушкина",
];

pub(crate) const MALE_NAMES: &[&str] = &[
    "Иван",
    "Пётр",
    "Николай",
    "Михаил",
    "Владимир",
    "Артём",
    "Олег",
    "Павел",
    "Роман",
    "Виктор",
    "Константин",
    "Евгений",
    "Игорь",
    "Максим",
    "Александр",
    "Денис",
    "Антон",
    "Юрий",
    "Георгий",
    "Степан",
];

pub(crate) const FEMALE_NAMES: &[&str] = &[
    "Анна",
    "Елена",
    "Татьяна",
    "Ирина",
    "Светлана",
    "Юлия",
    "Ксения",
    "Дарья",
    "Вера",
    "Людмила",
    "Алина",
    "Марина",
    "Валентина",
    "Полина",
    "Галина",
    "Оксана",
    "Софья",
    "Надежда",
    "Лариса",
    "Евгения",
];

/// Male last names; the female form adds «а».
pub(crate) const LAST_NAMES: &[&str] = &[
    "Петров",
    "Сидоров",
    "Фёдоров",
    "Волков",
    "Лебедев",
    "Козлов",
    "Никитин",
    "Орлов",
    "Зайцев",
    "Павлов",
    "Семёнов",
    "Голубев",
    "Виноградов",
    "Богданов",
    "Воробьёв",
    "Тарасов",
    "Беляев",
    "Комаров",
    "Жуков",
    "Макаров",
];

/// Patronymics: male and female forms.
pub(crate) const PATRONYMICS: &[(&str, &str)] = &[
    ("Иванович", "Ивановна"),
    ("Петрович", "Петровна"),
    ("Сергеевич", "Сергеевна"),
    ("Алексеевич", "Алексеевна"),
    ("Николаевич", "Николаевна"),
    ("Владимирович", "Владимировна"),
    ("Андреевич", "Андреевна"),
    ("Михайлович", "Михайловна"),
];

pub(crate) const POSITIONS: &[&str] = &[
    "Генеральный директор",
    "Менеджер по закупкам",
    "Руководитель ИТ-отдела",
    "Офис-менеджер",
    "Финансовый директор",
    "Главный инженер",
    "Заместитель директора",
    "Бухгалтер",
];

/// What the company sells: deal title starts.
pub(crate) const PRODUCTS: &[&str] = &[
    "Поставка ноутбуков",
    "Оснащение переговорной",
    "Замена серверного оборудования",
    "Поставка МФУ",
    "Лицензии офисного ПО",
    "Монтаж локальной сети",
    "Сервисное обслуживание оргтехники",
    "Поставка картриджей",
    "Видеонаблюдение для склада",
    "Модернизация рабочих мест",
    "Поставка мониторов",
    "IP-телефония для офиса",
    "Система хранения данных",
    "Источники бесперебойного питания",
];

/// Tender subjects (the second pipeline).
pub(crate) const TENDERS: &[&str] = &[
    "Тендер: поставка компьютерной техники",
    "Тендер: обслуживание оргтехники на 2 года",
    "Тендер: оснащение учебного класса",
    "Тендер: серверная инфраструктура",
    "Тендер: поставка расходных материалов",
];

/// Timeline comments on deals.
pub(crate) const DEAL_COMMENTS: &[&str] = &[
    "Клиент просит скидку 5% при оплате до конца месяца.",
    "Отправили коммерческое предложение, ждём обратной связи.",
    "Созвонились с закупкой: бюджет согласован, нужен договор.",
    "Клиент сравнивает нас с ОфисПоставкой, важна цена доставки.",
    "Счёт оплачен частично, остаток — после поставки.",
    "Попросили перенести монтаж на следующую неделю.",
    "Нужны сертификаты на оборудование для тендерной документации.",
    "Договор на подписи у генерального директора клиента.",
];

/// Task title templates: `{c}` is a company, `{p}` a contact.
pub(crate) const TASKS: &[&str] = &[
    "Звонок клиенту ({p}) по поводу КП",
    "Подготовить коммерческое предложение для {c}",
    "Выставить счёт {c}",
    "Согласовать договор с {c}",
    "Отправить акт сверки {c}",
    "Уточнить сроки поставки для {c}",
    "Назначить встречу (контакт: {p})",
    "Подготовить документы к тендеру {c}",
];

/// Lead sources with what the lead asked about.
pub(crate) const LEAD_TOPICS: &[(&str, &str)] = &[
    ("WEB", "Заявка с сайта: ноутбуки для отдела продаж"),
    ("CALL", "Звонок: интересуются обслуживанием принтеров"),
    ("EMAIL", "Письмо: запрос цены на мониторы"),
    ("WEBFORM", "CRM-форма: расчёт локальной сети"),
    ("RECOMMENDATION", "Рекомендация: оснащение нового офиса"),
    ("TRADE_SHOW", "Выставка: интерес к системам хранения данных"),
    ("ADVERTISING", "Реклама: видеонаблюдение для магазина"),
    ("CALLBACK", "Обратный звонок: ИБП для серверной"),
];

/// Prospect company names for leads.
pub(crate) const PROSPECTS: &[&str] = &[
    "ООО «Новый Век»",
    "ООО «Стройматериалы 24»",
    "ООО «ТрансАвто»",
    "ООО «Глобус»",
    "ООО «Северное сияние»",
    "АО «Ритм»",
    "ООО «Пекарня Колосок»",
    "ООО «Автосервис Мотор»",
];

/// Transliterates Russian text for e-mail addresses.
pub(crate) fn translit(text: &str) -> String {
    const TABLE: &[(char, &str)] = &[
        ('а', "a"),
        ('б', "b"),
        ('в', "v"),
        ('г', "g"),
        ('д', "d"),
        ('е', "e"),
        ('ё', "e"),
        ('ж', "zh"),
        ('з', "z"),
        ('и', "i"),
        ('й', "y"),
        ('к', "k"),
        ('л', "l"),
        ('м', "m"),
        ('н', "n"),
        ('о', "o"),
        ('п', "p"),
        ('р', "r"),
        ('с', "s"),
        ('т', "t"),
        ('у', "u"),
        ('ф', "f"),
        ('х', "kh"),
        ('ц', "ts"),
        ('ч', "ch"),
        ('ш', "sh"),
        ('щ', "sch"),
        ('ъ', ""),
        ('ы', "y"),
        ('ь', ""),
        ('э', "e"),
        ('ю', "yu"),
        ('я', "ya"),
    ];
    text.to_lowercase()
        .chars()
        .map(|c| {
            TABLE
                .iter()
                .find(|(from, _)| *from == c)
                .map_or_else(|| c.to_string(), |(_, to)| (*to).to_owned())
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn translit_makes_ascii() {
        assert_eq!(translit("Щукина Юлия"), "schukina yuliya");
        assert!(EMPLOYEES.iter().all(|e| e.6.is_ascii()));
    }
}

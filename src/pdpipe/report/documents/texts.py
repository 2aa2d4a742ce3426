"""The documents' words, in Russian (the regulator's language, the default) and English.

A code the vocabulary does not know (a category a policy added) is printed as
it is: the document stays complete, only less translated.
"""

from __future__ import annotations

from typing import Literal

from pdpipe.operators.base import Method

Language = Literal["ru", "en"]

LABELS: dict[Language, dict[str, str]] = {
    "ru": {
        "destruction-act": "Акт об уничтожении персональных данных",
        "depersonalization-record": "Акт об обезличивании персональных данных",
        "number": "№",
        "drawn_up": "Дата составления",
        "legal_ground": "Составлен в соответствии с требованиями, утверждёнными приказом "
        "Роскомнадзора от 28.10.2022 № 179",
        "legal_ground_depersonalization": "Составлен во исполнение ст. 13.1 Федерального "
        "закона от 27.07.2006 № 152-ФЗ «О персональных данных» (учёт действий по "
        "обезличиванию); методы обезличивания — по {methods_order}",
        "methods_order": "требованиям к обезличиванию персональных данных, утверждённым "
        "приказом Роскомнадзора № 140 (2025 г.; номер приказа приведён по вторичному "
        "источнику и не сверен с официальной публикацией)",
        "operator": "Оператор",
        "address": "Адрес оператора",
        "processor": "Лицо, осуществлявшее обработку по поручению оператора",
        "none": "нет",
        "not_given": "не указано",
        "system": "Информационная система персональных данных",
        "subjects": "Субъекты персональных данных",
        "subjects_text": "{records} записей, идентифицированных внутренними ключами записей "
        "(иная информация, относящаяся к субъектам, вместо фамилии, имени, отчества; "
        "значения персональных данных в акт не вносятся).",
        "subjects_inline": "Ключи записей приведены в приложении 1 к настоящему акту.",
        "subjects_extract": "Ключи записей приведены в выгрузке из журнала регистрации событий "
        "{files}, являющейся неотъемлемой частью настоящего акта.",
        "table": "Сведения об уничтожении",
        "table_depersonalization": "Сведения об обезличивании",
        "col_system": "База данных",
        "col_table": "Таблица",
        "col_categories": "Категории персональных данных",
        "col_method": "Способ",
        "col_reason": "Причина (основание)",
        "col_date": "Дата",
        "col_records": "Записей",
        "persons": "Лица, уничтожившие персональные данные",
        "persons_depersonalization": "Лица, осуществившие обезличивание",
        "persons_missing": "не указаны в политике (acts.responsible) — впишите от руки",
        "col_name": "Фамилия, имя, отчество",
        "col_position": "Должность",
        "col_signature": "Подпись",
        "appendix": "Приложение 1. Внутренние ключи записей",
        "integrity": "SHA-256 этого документа записан в журнал pdpipe (pdpipe_ledger); "
        "проверка: pdpipe report verify",
        "total": "Итого записей",
        "extract": "Выгрузка из журнала регистрации событий",
        "destroy_method": "удаление записей из базы данных (SQL DELETE)",
        "children": "Зависимые таблицы",
        "col_parent": "Основная таблица",
        "col_child": "Зависимая таблица",
        "col_column": "Столбец",
        "col_parent_records": "Записей основной таблицы",
        "col_rows": "Строк зависимой таблицы",
        "all_columns": "вся строка",
        "child_delete": "удаление строк (SQL DELETE)",
        "child_set_null": "обнуление ссылки на уничтоженную запись (SQL UPDATE)",
        "rows_not_counted": "—",
        "notes": "Примечания",
        "note_children_destroyed": "Строки зависимых таблиц уничтоженных записей удалены или "
        "отсоединены вместе с ними; журнал pdpipe учитывает записи основной таблицы, поэтому "
        "число таких строк в акте не указывается («—»).",
        "note_children_recorded": "Число строк зависимых таблиц подсчитано pdpipe при "
        "их удалении или изменении, в той же транзакции, что и действия с записями основной "
        "таблицы и строки журнала (pdpipe_child_counts).",
        "note_children_counted": "Строки зависимых таблиц обезличены вместе с записями "
        "основной таблицы и остаются связанными с ними; их число подсчитано при составлении "
        "документа по столбцу связи.",
        "note_system_default": "Наименование информационной системы в политике не указано "
        "(operator.information_system): приведены имена баз данных, составляющих её.",
        "note_holds": "Удержание: записи, обработка которых продолжается по иному "
        "основанию (ч. 4–5 ст. 21 Федерального закона № 152-ФЗ), не уничтожены и не "
        "обезличены, хотя цель их обработки достигнута: {holds}.",
        "hold_item": "{store}.{table} — {kind} «{ground}», {until}: удержано записей — {records}",
        "hold_policy": "условие политики",
        "hold_record": "удержание записи",
        "hold_until": "до {date}",
        "hold_no_end": "без срока окончания",
        "note_order_179": "Требования к подтверждению уничтожения персональных данных, "
        "утверждённые приказом Роскомнадзора от 28.10.2022 № 179, действуют с 01.03.2023 "
        "до 01.03.2029.",
        "note_order_179_expired": "Требования, утверждённые приказом Роскомнадзора от "
        "28.10.2022 № 179, действовали до 01.03.2029: акт составлен по ним; проверьте "
        "требования, действующие на дату составления.",
        "note_ledger": "Журнал pdpipe (pdpipe_ledger) на момент составления акта: {store} — "
        "запись № {seq}, SHA-256 {row_hash}. Проверка: pdpipe ledger verify --anchors.",
        "note_run_failed": "Проверка результата этого запуска не пройдена (статус: {status}); "
        "акт фиксирует действия, которые были выполнены. Подробности — в summary.json "
        "запуска.",
        "note_run_unfinished": "Запуск не завершён (статус: {status}); акт фиксирует "
        "действия, выполненные до его остановки.",
        "note_physical_none": "{store}: destruction.physical: none — записи удалены командой "
        "SQL DELETE; СУБД освобождает занятое ими место в своё время, и до тех пор их "
        "значения могут оставаться в файлах данных базы.",
        "note_physical_vacuum_postgresql": "{store}: {date} таблицы {tables} очищены (VACUUM): "
        "устаревшие версии строк удалены; фрагменты уничтоженных значений могут оставаться "
        "в свободном пространстве страниц данных до его повторного использования (их "
        "удаляет destruction.physical: rewrite).",
        "note_physical_vacuum_mysql": "{store}: удалённые строки таблиц {tables} очищаются "
        "InnoDB в фоновом режиме (purge); фрагменты уничтоженных значений могут оставаться в "
        "свободном пространстве страниц до его повторного использования (их удаляет "
        "destruction.physical: rewrite, OPTIMIZE TABLE).",
        "note_physical_vacuum_sqlite": "{store}: удалённое содержимое таблиц {tables} "
        "перезаписано нулями при удалении (PRAGMA secure_delete), журнал WAL сброшен {date}.",
        "note_physical_rewrite": "{store}: {date} таблицы {tables} перестроены ({statement}): "
        "файлы данных базы не содержат уничтоженных значений.",
        "note_physical_rewrite_held": "{store}: {date} таблицы {tables} перестроены "
        "({statement}), но {held} сеанс(ов) базы, подготовленных транзакций или слотов "
        "репликации, начатых до удаления, удерживали прежние версии строк: видимые им "
        "значения могли остаться в файлах данных до следующего перестроения.",
        "note_physical_rewrite_held_sqlite": "{store}: {date} база перестроена "
        "({statement}), но соединение, читавшее её с момента до удаления, не дало перенести "
        "журнал WAL в файл базы: прежние версии её страниц с уничтоженными значениями могли "
        "остаться в файле до следующей контрольной точки.",
        "note_physical_vacuum_sqlite_held": "{store}: удалённое содержимое таблиц {tables} "
        "перезаписано нулями при удалении (PRAGMA secure_delete), но соединение, читавшее "
        "базу с момента до удаления, не дало перенести журнал WAL в файл базы {date}: "
        "прежние версии страниц могли остаться в файле до следующей контрольной точки.",
        "note_physical_rewrite_kept": "{store}: {date} таблицы {tables} перестроены "
        "({statement}), но СУБД сохранила {kept} прежних версий строк, ещё видимых другим "
        "транзакциям: уничтоженные значения могли остаться в файлах данных до следующего "
        "перестроения.",
        "note_physical_rewrite_unverified": "{store}: {date} таблицы {tables} перестроены "
        "({statement}); не зафиксировано, сохранила ли СУБД прежние версии строк, ещё "
        "видимые другим транзакциям: уничтоженные значения могли остаться в файлах данных "
        "до следующего перестроения.",
        "note_physical_missing": "{store}: физическое удаление (destruction.physical: "
        "{physical}) для этих записей не зафиксировано.",
        "note_physical_period": "{store}: физическое удаление ({statements}) выполнено после "
        "{done} из {runs} запусков периода.",
        "note_logs_archive_on": "{store}: архивирование журнала предзаписи включено "
        "(archive_mode = on): архив WAL хранит прежние версии записей, пока хранит свои "
        "файлы; укажите его в backups политики.",
        "note_logs_archive_off": "{store}: архивирование журнала предзаписи выключено "
        "(archive_mode = off): сегменты WAL с прежними версиями записей перезаписываются "
        "после контрольных точек.",
        "note_logs_binlog_on": "{store}: двоичный журнал включён (binlog_format = {format}): "
        "он хранит образы строк до истечения срока хранения журналов (expire_logs_days = "
        "{days}).",
        "note_logs_binlog_off": "{store}: двоичный журнал выключен.",
        "note_backups_unknown": "{store}: настоящий акт не распространяется на резервные копии "
        "и архивы журналов: в политике не указано, где и сколько они хранятся (backups).",
        "note_backups_none": "{store}: по политике резервных копий этой базы данных нет.",
        "note_backup": "{store}: резервная копия «{where}» хранится {keep_for}: копии, "
        "содержащие эти записи, будут удалены не позднее {until}.",
    },
    "en": {
        "destruction-act": "Act of destruction of personal data",
        "depersonalization-record": "Record of depersonalization of personal data",
        "number": "No.",
        "drawn_up": "Drawn up on",
        "legal_ground": "Drawn up as required by Roskomnadzor Order No. 179 of 28.10.2022",
        "legal_ground_depersonalization": "Drawn up under art. 13.1 of Federal Law No. 152-FZ "
        "of 27.07.2006 'On Personal Data' (every depersonalization is recorded); the "
        "depersonalization methods follow {methods_order}",
        "methods_order": "the requirements for depersonalizing personal data approved by "
        "Roskomnadzor Order No. 140 of 2025 (UNVERIFIED: the number is from a secondary "
        "source, not checked against the official publication)",
        "operator": "Operator",
        "address": "Operator's address",
        "processor": "Processor acting on the operator's behalf",
        "none": "none",
        "not_given": "not given",
        "system": "Personal data information system",
        "subjects": "Data subjects",
        "subjects_text": "{records} records, identified by their internal record keys (other "
        "information relating to the subjects, in place of their full names; no personal "
        "data value is written into this act).",
        "subjects_inline": "The record keys are listed in appendix 1 to this act.",
        "subjects_extract": "The record keys are listed in the event-log extract {files}, an "
        "integral part of this act.",
        "table": "What was destroyed",
        "table_depersonalization": "What was depersonalized",
        "col_system": "Database",
        "col_table": "Table",
        "col_categories": "Personal data categories",
        "col_method": "Method",
        "col_reason": "Reason (ground)",
        "col_date": "Date",
        "col_records": "Records",
        "persons": "Persons who destroyed the personal data",
        "persons_depersonalization": "Persons who depersonalized the personal data",
        "persons_missing": "not named in the policy (acts.responsible): write them in by hand",
        "col_name": "Full name",
        "col_position": "Position",
        "col_signature": "Signature",
        "appendix": "Appendix 1. Internal record keys",
        "integrity": "This document's SHA-256 is recorded in pdpipe's ledger (pdpipe_ledger); "
        "check it with: pdpipe report verify",
        "total": "Records in all",
        "extract": "Event-log extract",
        "destroy_method": "deletion of the records from the database (SQL DELETE)",
        "children": "Dependent tables",
        "col_parent": "Main table",
        "col_child": "Dependent table",
        "col_column": "Column",
        "col_parent_records": "Records of the main table",
        "col_rows": "Rows of the dependent table",
        "all_columns": "the whole row",
        "child_delete": "rows deleted (SQL DELETE)",
        "child_set_null": "reference to the destroyed record set to NULL (SQL UPDATE)",
        "rows_not_counted": "—",
        "notes": "Notes",
        "note_children_destroyed": "The dependent rows of destroyed records were deleted or "
        "detached with them; pdpipe's ledger counts the records of the main table, so the "
        "number of such rows is not given ('—').",
        "note_children_recorded": "The numbers of dependent rows were counted by pdpipe as "
        "it deleted or changed them, in the same transaction as the records of the main table "
        "and their ledger rows (pdpipe_child_counts).",
        "note_children_counted": "The dependent rows were depersonalized with the records of "
        "the main table and stay tied to them; they were counted, by the linking column, "
        "when this document was drawn up.",
        "note_system_default": "The policy does not name the information system "
        "(operator.information_system): the names of the databases it consists of are "
        "given instead.",
        "note_holds": "Holds: records whose processing continues on another ground "
        "(152-FZ art. 21 p.4-5) were neither destroyed nor depersonalized although their "
        "purpose ended: {holds}.",
        "hold_item": "{store}.{table} — {kind} \u201c{ground}\u201d, {until}: records kept — "
        "{records}",
        "hold_policy": "policy hold",
        "hold_record": "record hold",
        "hold_until": "until {date}",
        "hold_no_end": "no end set",
        "note_order_179": "The requirements for proving the destruction of personal data "
        "approved by Roskomnadzor Order No. 179 of 28.10.2022 apply from 01.03.2023 until "
        "01.03.2029.",
        "note_order_179_expired": "The requirements approved by Roskomnadzor Order No. 179 of "
        "28.10.2022 applied until 01.03.2029: this act follows them; check the requirements "
        "in force on the day it is drawn up.",
        "note_ledger": "pdpipe's ledger (pdpipe_ledger) when this act was drawn up: {store} — "
        "row {seq}, SHA-256 {row_hash}. Check it with: pdpipe ledger verify --anchors.",
        "note_run_failed": "The checks of this run's result failed (status: {status}); this "
        "act records what was done. The run's summary.json has the details.",
        "note_run_unfinished": "The run did not finish (status: {status}); this act records "
        "what was done before it stopped.",
        "note_physical_none": "{store}: destruction.physical: none — the records were "
        "deleted with SQL DELETE; the DBMS reclaims their space in its own time, and until "
        "then their values can remain in the database's data files.",
        "note_physical_vacuum_postgresql": "{store}: on {date}, tables {tables} were vacuumed "
        "(VACUUM): dead row versions were removed; fragments of destroyed values can remain "
        "in the free space of data pages until it is reused (destruction.physical: rewrite "
        "erases them).",
        "note_physical_vacuum_mysql": "{store}: InnoDB purges the deleted rows of tables "
        "{tables} in the background; fragments of destroyed values can remain in the free "
        "space of pages until it is reused (destruction.physical: rewrite, OPTIMIZE TABLE, "
        "erases them).",
        "note_physical_vacuum_sqlite": "{store}: the deleted content of tables {tables} was "
        "overwritten with zeros as it was deleted (PRAGMA secure_delete); the WAL was "
        "checkpointed on {date}.",
        "note_physical_rewrite": "{store}: on {date}, tables {tables} were rebuilt "
        "({statement}): the database's data files hold none of the destroyed values.",
        "note_physical_rewrite_held": "{store}: on {date}, tables {tables} were rebuilt "
        "({statement}), but {held} session(s) of the database, prepared transaction(s) or "
        "replication slot(s) begun before the erasure held earlier row versions: the values "
        "they could see may remain in the data files until the next rebuild.",
        "note_physical_rewrite_held_sqlite": "{store}: on {date}, the database was rebuilt "
        "({statement}), but a connection reading it since before the erasure kept the WAL "
        "from being checkpointed into the database file: earlier versions of its pages, with "
        "destroyed values, may remain in the file until the next checkpoint.",
        "note_physical_vacuum_sqlite_held": "{store}: the deleted content of tables {tables} "
        "was overwritten with zeros as it was deleted (PRAGMA secure_delete), but on {date} a "
        "connection reading the database since before the erasure kept the WAL from being "
        "checkpointed: earlier versions of pages may remain in the file until the next "
        "checkpoint.",
        "note_physical_rewrite_kept": "{store}: on {date}, tables {tables} were rebuilt "
        "({statement}), but the DBMS kept {kept} earlier row version(s) still visible to "
        "other transactions: destroyed values may remain in the data files until the next "
        "rebuild.",
        "note_physical_rewrite_unverified": "{store}: on {date}, tables {tables} were rebuilt "
        "({statement}); whether the DBMS kept earlier row versions still visible to other "
        "transactions is not recorded: destroyed values may remain in the data files until "
        "the next rebuild.",
        "note_physical_missing": "{store}: no physical erasure (destruction.physical: "
        "{physical}) is recorded for these records.",
        "note_physical_period": "{store}: physical erasure ({statements}) followed {done} of "
        "the period's {runs} run(s).",
        "note_logs_archive_on": "{store}: write-ahead log archiving is on (archive_mode = on): "
        "the WAL archive keeps earlier versions of the records as long as it keeps its "
        "files; declare it under the policy's backups.",
        "note_logs_archive_off": "{store}: write-ahead log archiving is off (archive_mode = "
        "off): WAL segments holding earlier versions of the records are recycled after "
        "checkpoints.",
        "note_logs_binlog_on": "{store}: the binary log is on (binlog_format = {format}): it "
        "keeps row images until the logs expire (expire_logs_days = {days}).",
        "note_logs_binlog_off": "{store}: the binary log is off.",
        "note_backups_unknown": "{store}: this act does not cover backup copies or log "
        "archives: the policy does not say where they are kept or for how long (backups).",
        "note_backups_none": "{store}: the policy declares no backup copies of this database.",
        "note_backup": "{store}: backup copy '{where}' is kept {keep_for}: copies holding these "
        "records are gone by {until}.",
    },
}

METHODS: dict[Language, dict[Method, str]] = {
    "ru": {
        Method.IDENTIFIERS: "введение идентификаторов",
        Method.COMPOSITION: "изменение состава или семантики",
        Method.DISTORTION: "искажение",
        Method.DECOMPOSITION: "декомпозиция",
        Method.MIXING: "перемешивание",
        Method.DELETION: "удаление",
    },
    "en": {
        Method.IDENTIFIERS: "introducing identifiers",
        Method.COMPOSITION: "changing composition or meaning",
        Method.DISTORTION: "distortion",
        Method.DECOMPOSITION: "decomposition",
        Method.MIXING: "mixing",
        Method.DELETION: "deletion",
    },
}

CATEGORIES: dict[Language, dict[str, str]] = {
    "ru": {
        "last_name": "фамилия",
        "first_name": "имя",
        "patronymic": "отчество",
        "full_name": "фамилия, имя, отчество",
        "email": "адрес электронной почты",
        "phone": "номер телефона",
        "birth_date": "дата рождения",
        "address": "адрес",
        "ip_address": "IP-адрес",
    },
    "en": {
        "last_name": "last name",
        "first_name": "first name",
        "patronymic": "patronymic",
        "full_name": "full name",
        "email": "email address",
        "phone": "telephone number",
        "birth_date": "date of birth",
        "address": "postal address",
        "ip_address": "IP address",
    },
}


def label(language: Language, name: str, **values: object) -> str:
    return LABELS[language][name].format(**values)


def categories(language: Language, codes: tuple[str, ...]) -> str:
    return ", ".join(CATEGORIES[language].get(code, code) for code in codes)

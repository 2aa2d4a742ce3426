from tests.detectors.builders import matching


def test_when_a_full_name_is_in_any_order_case_or_script_then_it_matches() -> None:
    names = [
        "Иванов Иван Иванович",
        "ивановой ольги петровны",
        "Ахметов Нурлан Серикұлы",
        "Ivanova Olga",
        "Smith, John",
        "Иванов И.И.",
        "Жумабаев Ерлан",
    ]
    assert matching("full_name", names) == names


def test_when_words_are_capitalized_but_no_name_then_no_full_name() -> None:
    phrases = ["Grace Period", "Premium Plan", "Новый договор", "Product Manager", "Big Data"]
    assert matching("full_name", phrases) == []


def test_when_one_word_then_its_role_decides_the_category() -> None:
    assert matching("first_name", ["Ольга", "Aleksandr", "Айгерим", "Иванов", "Table"]) == [
        "Ольга",
        "Aleksandr",
        "Айгерим",
    ]
    assert matching("last_name", ["Иванову", "Хабаров", "Kuznetsova", "Ольга", "true"]) == [
        "Иванову",
        "Хабаров",
        "Kuznetsova",
    ]
    assert matching("patronymic", ["Сергеевна", "Нурланұлы", "Sergeevich", "Сергей"]) == [
        "Сергеевна",
        "Нурланұлы",
        "Sergeevich",
    ]

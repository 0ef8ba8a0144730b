"""The one table reader: encodings, delimiters, malformed rows kept with their line, whole tables."""

import pytest

from data import DataError
from data.tables import likely_text_column, read_chunks, read_table, sniff_input


def test_the_bad_byte_offset_counts_across_read_blocks(tmp_path):
    source = tmp_path / "in.csv"
    body = ("text\n" + "é" * 600_000 + "\n").encode()  # 2-byte characters straddle the 1 MiB read blocks
    source.write_bytes(body + b"\xff\n")
    with pytest.raises(DataError, match=f"byte 0xff at byte offset {len(body)} "):
        sniff_input(source, encoding="utf-8")


def test_rows_with_the_wrong_number_of_fields_are_kept_with_their_line(tmp_path):
    source = tmp_path / "in.csv"
    source.write_text('id,text\n1,fine\n2\n3,"too, many",fields\n\n4,"multi\nline"\n')
    chunks = read_chunks(source, sniff_input(source), chunk_rows=2)
    assert next(chunks) == (["id", "text"], ["id", "text"])
    first, second = list(chunks)
    assert first.frame.id.tolist() == ["1", "2"] and second.frame.id.tolist() == ["3", "4"]
    assert first.row_errors == [None, "line 3: 1 of 2 fields; the missing ones read as empty"]
    assert second.row_errors[0].startswith("line 4: 3 fields where the header has 2; not scored")
    assert second.unscorable.tolist() == [True, False] and second.frame.text[1] == "multi\nline"


def test_the_header_is_kept_as_given_beside_the_names_columns_are_picked_by(tmp_path):
    source = tmp_path / "in.csv"
    source.write_text("text,a,a,\nhi,1,2,3\n")
    table = read_table(source)
    assert table.columns == ["text", "a", "a.1", "Unnamed: 3"] and table.given_columns == ["text", "a", "a", ""]
    assert table.frame.columns.tolist() == table.columns


def test_blank_lines_before_the_header_are_skipped_as_blank_lines_between_rows_are(tmp_path):
    """The first line was taken for the header even when blank: a table of no columns, every row refused, and the
    Batch page broke on it."""
    source = tmp_path / "in.csv"
    source.write_text("\n\r\n\ntext;id\nhi;1\nthere;2;3\n")  # the delimiter is sniffed from the header too
    table = read_table(source)
    assert (table.columns, table.given_columns, table.rows) == (["text", "id"], ["text", "id"], 2)
    assert table.frame.text.tolist() == ["hi", "there"]
    assert table.first_bad_row().startswith("line 6: 3 fields where the header has 2")  # lines counted as in the file
    source.write_text("\n\n \n")  # a line of a space is a header of one blank name; no row under it
    with pytest.raises(DataError, match="a header line but no rows"):
        read_table(source)
    source.write_text("\n\n\n")
    with pytest.raises(DataError, match="the file is empty"):
        read_table(source)


def test_excels_sep_line_gives_the_delimiter_and_is_not_the_header(tmp_path):
    """Some exports begin with Excel's "sep=;" hint: it was read as a header of one column "sep=", every row
    refused for its fields."""
    source = tmp_path / "in.csv"
    source.write_text("sep=;\nid;text\n1;I am, sad\n2;hi;there\n")
    fmt = sniff_input(source)
    assert (fmt.delimiter, fmt.sep_line) == (";", True)
    table = read_table(source)
    assert table.columns == ["id", "text"] and table.frame.text.tolist() == ["I am, sad", "hi"]
    assert table.first_bad_row().startswith("line 4: 3 fields where the header has 2")  # the file's own lines
    assert sniff_input(source, delimiter="\t").sep_line  # a delimiter given: the line is still not the header
    source.write_text("sep=\t\nid\ttext\n1\ta;b,c\n")
    assert read_table(source).frame.text.tolist() == ["a;b,c"]


@pytest.mark.parametrize("content, delimiter, columns", [
    # a column name holding the other delimiter: the rows under it decide
    ("id;text, comment;label\n1;I am, sad;anger\n2;ok;joy\n3;fine;joy\n", ";", ["id", "text, comment", "label"]),
    ("id,note;x,text\n1,a;b,hi\n2,c,hey\n3,d,ho\n", ",", ["id", "note;x", "text"]),
    ("id,text\n1,a;b;c\n2,hello; there\n3,x\n", ",", ["id", "text"]),  # rows holding the other one
    ("text\nhello; you\nbye\n", ",", ["text"]),  # one column: the extension's
])
def test_the_delimiter_is_the_one_that_splits_the_header_and_its_rows_alike(tmp_path, content, delimiter, columns):
    source = tmp_path / "in.csv"
    source.write_text(content)
    assert sniff_input(source).delimiter == delimiter
    assert read_table(source).columns == columns


def test_a_whole_table_names_the_file_as_the_user_knows_it(tmp_path):
    source = tmp_path / "upload.csv"
    source.write_text("text\n" + "hi\n" * 6)
    table = read_table(source, chunk_rows=4, name="mine.csv")
    assert (table.rows, len(table.chunks), table.columns, table.bad_rows) == (6, 2, ["text"], 0)
    with pytest.raises(DataError, match=r"^mine\.csv: more than 5 rows, over the limit of 5"):
        read_table(source, max_rows=5, name="mine.csv")
    source.write_text("text\n")
    with pytest.raises(DataError, match=r"^mine\.csv: a header line but no rows"):
        read_table(source, name="mine.csv")


@pytest.mark.parametrize("after", [50, 99, 150, 3000])
@pytest.mark.parametrize("closed", [False, True])
def test_a_quote_left_open_costs_its_row_alone_however_many_lines_follow(tmp_path, after, closed):
    """Over 100 lines the rows up to the next quote were one refused row (the output lost them), and a quote left
    open over 100 lines to the end of the file refused the whole file once it had been read."""
    path = tmp_path / "open.csv"
    rows = [f"{i},row {i}" for i in range(3, 3 + after)] + ["999,closes \" here"] * closed + ["1000,last"]
    path.write_text("id,text\n1,hello\n2,\"this quote never closes\n" + "\n".join(rows) + "\n")
    for chunk_rows in (7, 500):
        table = read_table(path, chunk_rows=chunk_rows)
        assert table.frame["id"].tolist() == ["1", "2", *(row.split(",")[0] for row in rows)]
        errors = [e for c in table.chunks for e in c.row_errors]
        assert table.bad_rows == 1 and errors[1].startswith("line 3: a quote opened here ") and not any(errors[2:])
        assert table.frame["text"][1] == "this quote never closes"


def test_a_quote_left_open_in_a_short_file_refuses_its_row_and_the_lines_after_it_are_read(tmp_path):
    """Under the line limit, the open quote would have made one tweet of the lines after it: they are rows."""
    path = tmp_path / "short.csv"
    path.write_text('id,text\n1,"hello world\n2,fine day\n3,ok\n')
    for chunk_rows in (1, 2, 100):  # the row given back may be the last of a chunk
        table = read_table(path, chunk_rows=chunk_rows)
        assert table.frame.values.tolist() == [["1", "hello world"], ["2", "fine day"], ["3", "ok"]]
        assert [e for c in table.chunks for e in c.row_errors] == [
            'line 2: a quote opened here is never closed (double it: ""); not scored; the 2 lines it ran over are read '
            'as rows', None, None]
        assert [b for c in table.chunks for b in c.unscorable] == [True, False, False]
    path.write_text('id,text\n1,"hello world\n')  # opened on the last line
    table = read_table(path)
    assert table.frame.values.tolist() == [["1", "hello world"]]
    assert table.chunks[0].row_errors == ['line 2: a quote opened here is never closed (double it: ""); not scored']
    path.write_text('id,text\n1,"a\n2,"b\n3,c\n')  # a quote left open in the lines read again, too
    table = read_table(path)
    assert table.frame["text"].tolist() == ["a", "b", "c"] and table.bad_rows == 2
    assert table.chunks[0].row_errors[1].startswith("line 3: a quote opened here is never closed")
    # Closed quotes, doubled quotes and a quote inside an unquoted field still read, the last record multi-line
    path.write_text('id;text\n1;"he said ""hi"""\n2;x "y z\n3;"two\nlines; ""quoted"""\n')
    assert read_table(path).frame["text"].tolist() == ['he said "hi"', 'x "y z', 'two\nlines; "quoted"']


def test_files_taken_for_tables_are_refused_saying_what_they_are(tmp_path):
    import gzip

    (tmp_path / "in.csv.gz").write_bytes(gzip.compress(b"text\nso happy\n"))
    with pytest.raises(DataError, match=r"in\.csv\.gz: gzip-compressed, not a CSV or TSV text file; decompress it"):
        sniff_input(tmp_path / "in.csv.gz")
    (tmp_path / "book.xlsx").write_bytes(b"PK\x03\x04" + b"\0" * 40)
    with pytest.raises(DataError, match=r"book\.xlsx: a ZIP archive \(an Excel \.xlsx workbook is one\)"):
        sniff_input(tmp_path / "book.xlsx")
    with pytest.raises(DataError, match=r": a folder, not a file$"):
        sniff_input(tmp_path)
    with pytest.raises(DataError, match=r"^-: standard input is not read"):
        sniff_input("-")


def test_a_stray_quote_that_a_later_quote_closes_refuses_its_row_naming_both_lines(tmp_path):
    """The csv module would read lines 2-4 as one tweet and drop the quotes: one row where the file has three."""
    path = tmp_path / "stray.csv"
    path.write_text('id,text\n1,"Best day ever, so happy\n2,fine day\n3,she said "wow" twice\n4,ok\n')
    table = read_table(path)
    assert table.frame["text"].tolist() == ["Best day ever, so happy", "fine day", 'she said "wow" twice', "ok"]
    assert table.chunks[0].row_errors == [
        'line 2: a quote opened here closes on line 4 with text after it (a stray quote? double it: ""); not '
        'scored; the 2 lines it ran over are read as rows', None, None, None]
    # On one line it is a cell as spreadsheets and pandas read it; a quoted field may hold lines and a quote
    path.write_text('id,text\n1,"quoted" trailing words\n2,"two\nlines ""quoted"" inside"\n')
    assert read_table(path).frame["text"].tolist() == ["quoted trailing words", 'two\nlines "quoted" inside']


def test_a_utf8_file_with_a_stray_byte_marks_its_row_and_is_not_read_as_another_encoding(tmp_path):
    """Read as a single-byte encoding, every emoji and accented letter of the file would be garbled; refused, one
    byte stopped the whole batch."""
    path = tmp_path / "stray.csv"
    body = ("id,text\n" + "1,I love it \U0001F60D Caf\u00e9\n" + "".join(f"{i},plain {i}\n" for i in range(2, 3002))).encode()
    path.write_bytes(body + b"3002,bad \x9d byte\n")
    table = read_table(path, chunk_rows=1000)
    assert table.rows == 3002 and table.frame["text"].tolist()[::3001] == ["I love it \U0001F60D Caf\u00e9", "bad \ufffd byte"]
    assert table.notes == [f"encoding: UTF-8 with bytes that are not (the first, 0x9d, at byte offset {len(body) + 9:,}): "
                           f"each is read as U+FFFD (\ufffd), and each row holding one says so in `error`"]
    errors = [e for c in table.chunks for e in c.row_errors]
    assert errors[-1] == "line 3003: bytes that are not UTF-8, read as U+FFFD (\ufffd)" and not any(errors[:-1])
    assert not any(b for c in table.chunks for b in c.unscorable)  # scored, with the message
    for named in ("utf-8", "utf-8-sig"):  # an encoding named is checked strictly
        with pytest.raises(DataError, match="not valid UTF-8 text: byte 0x9d"):
            sniff_input(path, encoding=named)
    path.write_bytes("id,text\n1,Caf\u00e9 cr\u00e8me\n".encode("cp1252"))  # no UTF-8 in it: detected
    table = read_table(path)
    assert table.frame["text"].tolist() == ["Caf\u00e9 cr\u00e8me"] and table.notes[0].startswith("encoding: ")


def test_cp1252_with_a_pair_of_bytes_that_happens_to_be_utf8_is_read_as_cp1252(tmp_path):
    """German "Spaß…" in cp1252 is the bytes DF 85, valid UTF-8 ("߅"): the file was read as UTF-8 with stray bytes,
    every "ü" became U+FFFD, and the first row was silently another text."""
    path = tmp_path / "german.csv"
    texts = ["So viel Spaß… heute", "Ich bin so glücklich", "Grüße aus München, ich bin wütend"]
    path.write_bytes(("id,text\n" + "".join(f'{i},"{t}"\n' for i, t in enumerate(texts))).encode("cp1252"))
    table = read_table(path)
    assert table.frame["text"].tolist() == texts
    assert table.notes == ["encoding: cp1252 (detected: not UTF-8 from byte offset 48; 1 character(s) that UTF-8 "
                           "could read, against 5 byte(s) it could not, are read as cp1252 too: name --encoding "
                           "utf-8 if those are meant)"]


def test_english_with_a_euro_sign_is_read_as_cp1252_and_russian_as_cp1251(tmp_path):
    """A short file with one byte 0x80 was read as cp1251: "paid 5\u0402" where its writer meant "paid 5\u20ac"."""
    path = tmp_path / "euro.csv"
    path.write_bytes(b"id,text\n1,paid 5\x80 for this so angry\n")
    assert read_table(path).frame["text"].tolist() == ["paid 5\u20ac for this so angry"]
    path.write_bytes("id,text\n1,\u042f \u043b\u044e\u0431\u043b\u044e \u044d\u0442\u043e\u0442 \u0434\u0435\u043d\u044c\n"
                     .encode("cp1251"))
    assert read_table(path).frame["text"].tolist() == ["\u042f \u043b\u044e\u0431\u043b\u044e \u044d\u0442\u043e\u0442 \u0434\u0435\u043d\u044c"]


def test_a_quoted_field_over_the_line_limit_is_read_as_its_lines(tmp_path):
    """Over 100 lines a quoted field is taken for a quote left open: its first line is a refused row, and each of
    the lines after it a row (a tweet holds far fewer lines)."""
    path = tmp_path / "long.csv"
    path.write_text('id,text\n1,"' + "\n".join(["x"] * 150) + '"\n2,happy\n')
    table = read_table(path)
    assert table.rows == 151 and table.frame["id"].tolist()[-1] == "2"
    assert sum(b for c in table.chunks for b in c.unscorable) == 1  # the others are "1 of 2 fields"
    assert table.chunks[0].row_errors[0] == ('line 2: a quote opened here is not closed within 100 lines (double it: '
                                             '""); not scored; the 99 lines it ran over are read as rows')
    path.write_text('id,text\n1,"' + "\n".join(["x"] * 100) + '"\n2,happy\n')  # 100 lines: one field
    assert read_table(path).frame["text"].tolist() == ["\n".join(["x"] * 100), "happy"]


def test_a_header_of_a_million_columns_is_refused_at_once(tmp_path):
    path = tmp_path / "wide.csv"
    path.write_text(",".join(f"c{i}" for i in range(1_000_000)) + "\n" + "1," * 999_999 + "1\n")
    with pytest.raises(DataError, match="the header has 1,000,000 columns, over the limit of 1,000"):
        read_table(path)


def test_a_table_over_the_row_limit_is_refused_while_it_is_read(tmp_path):
    path = tmp_path / "many.csv"
    path.write_text("text\n" + "a\n" * 2_000_000)
    with pytest.raises(DataError, match="more than 1,000 rows"):
        read_table(path, max_rows=1_000)


@pytest.mark.parametrize("codec", ["utf-16-le", "utf-16-be"])
def test_utf16_without_a_byte_order_mark_is_recognised(tmp_path, codec):
    path = tmp_path / "export.csv"
    path.write_bytes("id,text\n1,so happy 😊\n2,très fâché\n".encode(codec))
    table = read_table(path)
    assert table.columns == ["id", "text"] and table.frame["text"].tolist() == ["so happy 😊", "très fâché"]
    assert table.notes == [f"encoding: {codec} (detected: no byte-order mark, every other byte zero)"]


def test_the_likely_text_column_is_text_or_the_one_with_the_longest_cells(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text("id,when,tweet\n1,2026-11-26,so happy about the news today\n2,2026-11-25,scared\n")
    frame = read_table(path).frame
    assert likely_text_column(frame) == "tweet"
    assert likely_text_column(frame.rename(columns={"id": "text"})) == "text"

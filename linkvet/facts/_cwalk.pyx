# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True
"""The hot tree walks of page analysis, on libxml2's tree: the main-content region of
:mod:`linkvet.facts.placement`, the block text and DOM paths of :mod:`linkvet.facts.links`, and
the visible words of :mod:`linkvet.facts.page` (as str, or as the digests of a
:class:`WordDigests` table for the simhash).

The same rules as the pure-Python :class:`linkvet.facts.placement.PythonRegion` (the module
docstring of ``placement`` states them), step for step, so both give the same region for every
document (``tests/linkvet/facts/test_region_c.py`` holds them equal on real, generated and
random pages). Only the walk differs: it reads libxml2's nodes through lxml's public C API
instead of asking lxml for a Python object per element, per text and per tail, which made the
pure-Python scan about a third of a page's analysis.

Text lengths follow Python's ``len(" ".join(text.split()))`` exactly: code points, split on
the characters ``str.isspace()`` accepts (:func:`is_space` is tested against it for every code
point). Tag names and their meaning come from ``placement`` (:func:`configure`), the one place
they are written.
"""

from cpython.bytes cimport PyBytes_AS_STRING, PyBytes_Check, PyBytes_FromStringAndSize, PyBytes_GET_SIZE
from cpython.mem cimport PyMem_Free, PyMem_Malloc, PyMem_Realloc
from libc.stdint cimport uint64_t
from libc.stdlib cimport bsearch
from cpython.unicode cimport PyUnicode_DecodeUTF8
from libc.string cimport memcmp, memcpy, memset, strcmp, strlen

from lxml.includes cimport tree
from lxml.includes.etreepublic cimport (
    _Document,
    _Element,
    attributeValueFromNsName,
    elementFactory,
    import_lxml__etree,
)
from lxml.includes.tree cimport const_xmlChar, xmlNode

import_lxml__etree()

cdef enum:
    SKIPS = 1
    BLOCK = 2
    LINK = 4
    TEXT_HIDDEN = 8  # not text to a reader: the walk of a block's text skips inside it
    PROSE_MIN = 25
    SIBLING_PROSE = 50


cdef struct TagInfo:
    char* name
    int kind
    int prior


# The tag table, sorted by name for bsearch; filled by configure().
cdef TagInfo* _tags = NULL
cdef Py_ssize_t _ntags = 0
cdef list _names = []  # keeps the bytes behind TagInfo.name alive


cdef int _cmp_tag(const void* key, const void* item) noexcept nogil:
    return strcmp(<const char*>key, (<TagInfo*>item).name)


cdef inline TagInfo* _tag_info(xmlNode* node) noexcept nogil:
    if node.ns is not NULL or _ntags == 0:
        return NULL  # lxml names it "{ns}tag": in no table
    return <TagInfo*>bsearch(<const void*>node.name, _tags, _ntags, sizeof(TagInfo), _cmp_tag)


cdef inline int _kind(xmlNode* node) noexcept nogil:
    cdef TagInfo* info = _tag_info(node)
    return info.kind if info is not NULL else 0


def configure(kinds, priors):
    """Set the tag table: ``kinds`` maps a tag to its bits (1 skipped by the placement scan,
    2 block, 4 link, 8 hidden from a block's text), ``priors`` a tag to its score prior."""
    global _tags, _ntags, _names
    names = sorted(set(kinds) | set(priors))
    table = <TagInfo*>PyMem_Malloc(len(names) * sizeof(TagInfo) + 1)
    if table is NULL:
        raise MemoryError()
    encoded = [n.encode("utf-8") for n in names]
    for i, (name, raw) in enumerate(zip(names, encoded)):
        table[i].name = <char*>raw
        table[i].kind = kinds.get(name, 0)
        table[i].prior = priors.get(name, 0)
    old = _tags
    _tags, _ntags, _names = table, len(names), encoded
    if old is not NULL:
        PyMem_Free(old)


cdef inline bint _is_space(unsigned int c) noexcept nogil:
    if c < 0x80:
        return c == 0x20 or 0x09 <= c <= 0x0D or 0x1C <= c <= 0x1F
    return (c == 0x85 or c == 0xA0 or c == 0x1680 or 0x2000 <= c <= 0x200A or c == 0x2028
            or c == 0x2029 or c == 0x202F or c == 0x205F or c == 0x3000)


def is_space(unsigned int c):
    """Whether code point ``c`` separates words here (the same as ``chr(c).isspace()``)."""
    return _is_space(c)


cdef struct Text:
    long nonspace  # code points that are not whitespace
    long words
    long commas
    bint in_space  # the last code point read was whitespace (or nothing was read)


cdef inline void _read(Text* t, const unsigned char* s) noexcept nogil:
    """Add the UTF-8 string ``s`` to the counts of ``t``."""
    cdef unsigned int c
    cdef unsigned char b
    while s[0] != 0:
        b = s[0]
        if b < 0x80:
            c = b
            s += 1
        elif b < 0xE0:
            c = ((b & 0x1F) << 6) | (s[1] & 0x3F)
            s += 2
        elif b < 0xF0:
            c = ((b & 0x0F) << 12) | ((s[1] & 0x3F) << 6) | (s[2] & 0x3F)
            s += 3
        else:
            c = ((b & 0x07) << 18) | ((s[1] & 0x3F) << 12) | ((s[2] & 0x3F) << 6) | (s[3] & 0x3F)
            s += 4
        if _is_space(c):
            t.in_space = True
            continue
        if t.in_space:
            t.words += 1
            t.in_space = False
        t.nonspace += 1
        if c == 0x2C or c == 0x060C or c == 0xFF0C or c == 0x3001:
            t.commas += 1


cdef inline xmlNode* _text_or_skip(xmlNode* node) noexcept nogil:
    """lxml's rule for the nodes that make up ``.text`` and ``.tail``: text and CDATA nodes,
    stepping over XInclude markers."""
    while node is not NULL:
        if node.type == tree.XML_TEXT_NODE or node.type == tree.XML_CDATA_SECTION_NODE:
            return node
        if node.type == tree.XML_XINCLUDE_START or node.type == tree.XML_XINCLUDE_END:
            node = node.next
            continue
        return NULL
    return NULL


cdef inline long _text_run(xmlNode* node, long* commas) noexcept nogil:
    """``len(squash(t))`` of the text ``t`` lxml reads from the run of text nodes starting at
    ``node`` (an element's ``.text`` from its first child, its ``.tail`` from its next
    sibling); its commas are added to ``commas``."""
    cdef Text t
    t.nonspace = t.words = t.commas = 0
    t.in_space = True
    node = _text_or_skip(node)
    while node is not NULL:
        if node.content is not NULL:
            _read(&t, <const unsigned char*>node.content)
        node = _text_or_skip(node.next)
    if t.nonspace == 0:
        return 0
    commas[0] += t.commas
    return t.nonspace + t.words - 1


cdef inline xmlNode* _first_element(xmlNode* node) noexcept nogil:
    node = node.children
    while node is not NULL and node.type != tree.XML_ELEMENT_NODE:
        node = node.next
    return node


cdef inline xmlNode* _next_element(xmlNode* node) noexcept nogil:
    node = node.next
    while node is not NULL and node.type != tree.XML_ELEMENT_NODE:
        node = node.next
    return node


cdef struct Node:
    xmlNode* c_node
    int parent      # number of the parent element, -1 for the root
    int block       # number of the element whose block holds this element's text
    int kind
    bint link       # inside a link (or one itself)
    bint skip       # inside a skipped element (or one itself)
    bint own        # starts a block and is not skipped: its counters are its own
    long chars      # block counters (of the block this element starts)
    long link_chars
    long commas
    long sub_chars  # subtree totals
    long sub_links
    long sub_prose
    double score
    bint scored
    int first_child  # numbers of element children, -1 for none
    int last_child
    int next_sibling


cdef inline void _count_run(Node* block, xmlNode* run, bint link) noexcept nogil:
    """Add the text run starting at ``run`` to the counters of ``block``."""
    cdef long commas = 0
    cdef long count = _text_run(run, &commas)
    if count:
        block.chars += count
        block.commas += commas
        if link:
            block.link_chars += count


cdef class _Scan:
    cdef Node* nodes
    cdef int size
    cdef int capacity

    def __cinit__(self):
        self.nodes = NULL
        self.size = 0
        self.capacity = 0

    def __dealloc__(self):
        if self.nodes is not NULL:
            PyMem_Free(self.nodes)

    cdef int _grow(self) except -1:
        cdef int capacity = self.capacity * 2 if self.capacity else 256
        cdef Node* nodes = <Node*>PyMem_Realloc(self.nodes, capacity * sizeof(Node))
        if nodes is NULL:
            raise MemoryError()
        self.nodes = nodes
        self.capacity = capacity
        return 0

    cdef int _add(self, xmlNode* c_node, int parent) except -1:
        """Number ``c_node`` (the next element in document order) and count its text and the
        tail after it, as the pure-Python scan does."""
        cdef Node* n
        cdef Node* p
        if self.size == self.capacity:
            self._grow()
        n = &self.nodes[self.size]
        n.c_node = c_node
        n.parent = parent
        n.kind = _kind(c_node)
        n.chars = n.link_chars = n.commas = 0
        n.sub_chars = n.sub_links = n.sub_prose = 0
        n.score = 0.0
        n.scored = False
        n.first_child = n.last_child = n.next_sibling = -1
        if parent < 0:
            n.link = n.skip = False
        else:
            p = &self.nodes[parent]
            if p.last_child >= 0:
                self.nodes[p.last_child].next_sibling = self.size
            else:
                p.first_child = self.size
            p.last_child = self.size
            n.link, n.skip = p.link, p.skip
            if not p.skip:  # the tail after this element is its parent's block's text
                _count_run(&self.nodes[p.block], c_node.next, p.link)
        if n.kind & SKIPS:
            n.skip = True
        if parent < 0 or n.kind & BLOCK:
            n.block = self.size
            n.own = not n.skip
        else:
            n.block = self.nodes[parent].block
            n.own = False
        if n.kind & LINK:
            n.link = True
        if not n.skip:
            _count_run(&self.nodes[n.block], c_node.children, n.link)
        self.size += 1
        return 0

    cdef int scan(self, xmlNode* root) except -1:
        """Every element of ``root``'s tree in document order (lxml's ``root.iter()``)."""
        cdef xmlNode* node = root
        cdef xmlNode* child
        cdef int current = 0  # the number of ``node``
        self._add(root, -1)
        while True:
            child = _first_element(node)
            if child is not NULL:
                self._add(child, current)
                node = child
                current = self.size - 1
                continue
            while node is not root:
                child = _next_element(node)
                if child is not NULL:
                    self._add(child, self.nodes[current].parent)
                    node = child
                    current = self.size - 1
                    break
                node = node.parent
                current = self.nodes[current].parent
            else:
                return 0


cdef inline bint _is_prose(Node* n) noexcept nogil:
    return n.chars >= PROSE_MIN and n.link_chars * 2 <= n.chars


cdef inline int _prior(xmlNode* node) noexcept nogil:
    cdef TagInfo* info = _tag_info(node)
    return info.prior if info is not NULL else 0


cdef object _proxy(_Document doc, xmlNode* c_node):
    return elementFactory(doc, c_node)


cdef bint _has_class_or_id(xmlNode* c_node) noexcept:
    cdef tree.xmlAttr* attr = c_node.properties
    while attr is not NULL:
        if attr.ns is NULL and (strcmp(<const char*>attr.name, b"class") == 0
                                or strcmp(<const char*>attr.name, b"id") == 0):
            return True
        attr = attr.next
    return False


def content_region(_Element root, weight_of, furniture_kind):
    """The elements of the content region of ``root``'s document (a list, document order
    of their discovery as in ``PythonRegion``): ``weight_of(class, id)`` gives an element's
    class/id weight, ``furniture_kind(element)`` says whether a sibling is page furniture."""
    cdef _Scan s = _Scan()
    cdef int i, node, level, best, size
    cdef int parent_of_best
    cdef long own_prose
    cdef double vote, density, value, best_score
    cdef Node* n
    cdef Node* up
    cdef list order = []
    cdef xmlNode* c_root = root._c_node
    cdef xmlNode* c_sib
    cdef _Document doc = root._doc
    s.scan(c_root)
    size = s.size
    nodes = s.nodes
    # votes of the prose blocks for their parent, grandparent and the next one up
    for i in range(size):
        n = &nodes[i]
        if not n.own or not _is_prose(n):
            continue
        vote = 1.0 + n.commas + min(n.chars // 100, 3)
        node = n.parent
        level = 0
        while node >= 0 and level < 3:
            up = &nodes[node]
            if not up.scored:
                up.scored = True
                up.score = <double>(_prior(up.c_node) + _class_weight(up.c_node, weight_of))
                order.append(node)
            up.score += vote / (1 if level == 0 else 2 if level == 1 else level * 3)
            node = up.parent
            level += 1
    if not order:
        return []
    # subtree totals, children before parents
    for i in range(size - 1, -1, -1):
        n = &nodes[i]
        if n.own:
            n.sub_chars += n.chars
            n.sub_links += n.link_chars
            if _is_prose(n):
                n.sub_prose += n.chars - n.link_chars
        if n.parent >= 0 and (n.sub_chars or n.sub_prose):
            up = &nodes[n.parent]
            up.sub_chars += n.sub_chars
            up.sub_links += n.sub_links
            up.sub_prose += n.sub_prose
    best = -1
    best_score = 0.0
    for i in order:
        n = &nodes[i]
        density = <double>n.sub_links / <double>n.sub_chars if n.sub_chars else 0.0
        value = n.score * (1.0 - density)
        if best < 0 or value > best_score:
            best, best_score = i, value
    own_prose = nodes[best].sub_prose
    while nodes[best].parent >= 0 and nodes[nodes[best].parent].sub_prose <= own_prose:
        best = nodes[best].parent
    region = [_proxy(doc, nodes[best].c_node)]
    parent_of_best = nodes[best].parent
    if parent_of_best >= 0:
        i = nodes[parent_of_best].first_child
        while i >= 0:
            n = &nodes[i]
            if (i != best and not n.skip and n.sub_prose >= SIBLING_PROSE
                    and n.sub_links * 3 < n.sub_chars):
                sib = _proxy(doc, n.c_node)
                if furniture_kind(sib) is None:
                    region.append(sib)
            i = n.next_sibling
    return region


cdef int _class_weight(xmlNode* c_node, weight_of) except? -9999:
    if not _has_class_or_id(c_node):
        return 0
    cls = attributeValueFromNsName(c_node, NULL, <const_xmlChar*>b"class")
    ident = attributeValueFromNsName(c_node, NULL, <const_xmlChar*>b"id")
    if not cls and not ident:
        return 0
    return weight_of(cls, ident)


def block_counts(_Element link, _Element root):
    """Characters and link characters of the block holding ``link`` (an element of
    ``root``'s tree), as the scan counts them; ``(0, 0)`` when it is not in that tree."""
    cdef xmlNode* c_root = root._c_node
    cdef xmlNode* block = link._c_node
    cdef xmlNode* node
    cdef bint in_link = False
    cdef bint skip = False
    cdef int kind
    cdef long chars = 0
    cdef long link_chars = 0
    # the block: the link itself when it starts one, else its nearest ancestor that does
    while block is not c_root and not (_kind(block) & BLOCK):
        block = block.parent
        if block is NULL or block.type != tree.XML_ELEMENT_NODE:
            return 0, 0
    node = block
    while True:
        kind = _kind(node)
        in_link = in_link or bool(kind & LINK)
        skip = skip or bool(kind & SKIPS)
        if node is c_root:
            break
        node = node.parent
        if node is NULL or node.type != tree.XML_ELEMENT_NODE:
            return 0, 0
    _count_block(block, in_link, skip, &chars, &link_chars)
    return chars, link_chars


cdef void _count_block(xmlNode* block, bint in_link, bint skip, long* chars,
                       long* link_chars) noexcept:
    cdef long commas = 0
    cdef long count
    if not skip:
        count = _text_run(block.children, &commas)
        chars[0] += count
        if in_link:
            link_chars[0] += count
    _count_children(block, in_link, skip, chars, link_chars)


cdef void _count_children(xmlNode* parent, bint in_link, bint skip, long* chars,
                          long* link_chars) noexcept:
    cdef xmlNode* child = _first_element(parent)
    cdef long commas = 0
    cdef long count
    cdef int kind
    cdef bint child_link, child_skip
    while child is not NULL:
        if not skip:
            count = _text_run(child.next, &commas)
            chars[0] += count
            if in_link:
                link_chars[0] += count
        kind = _kind(child)
        child_link = in_link or bool(kind & LINK)
        child_skip = skip or bool(kind & SKIPS)
        if not (kind & BLOCK):
            if not child_skip:
                count = _text_run(child.children, &commas)
                chars[0] += count
                if child_link:
                    link_chars[0] += count
            _count_children(child, child_link, child_skip, chars, link_chars)
        child = _next_element(child)


# -- block text (links.block_text) -----------------------------------------------------------
cdef struct Buffer:
    char* data
    Py_ssize_t size      # bytes
    Py_ssize_t capacity
    Py_ssize_t chars     # code points


cdef int _append(Buffer* b, const char* s, Py_ssize_t n) except -1:
    cdef Py_ssize_t i
    cdef char* grown
    if b.size + n > b.capacity:
        b.capacity = max(2 * b.capacity, b.size + n, 1024)
        grown = <char*>PyMem_Realloc(b.data, b.capacity)
        if grown is NULL:
            raise MemoryError()
        b.data = grown
    for i in range(n):
        b.data[b.size + i] = s[i]
        if (<unsigned char>s[i] & 0xC0) != 0x80:
            b.chars += 1
    b.size += n
    return 0


cdef int _append_run(Buffer* b, xmlNode* node) except -1:
    """The text lxml reads from the run of text nodes starting at ``node``."""
    node = _text_or_skip(node)
    while node is not NULL:
        if node.content is not NULL:
            _append(b, <const char*>node.content, strlen(<const char*>node.content))
        node = _text_or_skip(node.next)
    return 0


cdef struct Span:
    xmlNode* node
    Py_ssize_t start
    Py_ssize_t end


def block_text(_Element block):
    """``(text, spans)`` of :func:`linkvet.facts.links.block_text`: the text of ``block`` as
    a reader goes through it (a block-level element adds a space where it starts and where it
    ends; scripts, styles, templates and noscript add no text), and for every ``<a>`` and
    ``<area>`` read, its ``(start, end)`` in that text."""
    cdef Buffer b
    cdef Span* spans = NULL
    cdef Py_ssize_t nspans = 0, capacity = 0, i
    cdef xmlNode* top = block._c_node
    cdef xmlNode* node = top
    cdef xmlNode* child
    cdef int kind
    cdef Span* grown
    b.data = NULL
    b.size = b.capacity = b.chars = 0
    try:
        while True:
            # the start of ``node``
            kind = _kind(node)
            if kind & BLOCK:
                _append(&b, " ", 1)
            if kind & LINK:
                if nspans == capacity:
                    capacity = max(2 * capacity, 16)
                    grown = <Span*>PyMem_Realloc(spans, capacity * sizeof(Span))
                    if grown is NULL:
                        raise MemoryError()
                    spans = grown
                spans[nspans].node = node
                spans[nspans].start = b.chars
                spans[nspans].end = -1
                nspans += 1
            child = NULL
            if not (kind & TEXT_HIDDEN):
                _append_run(&b, node.children)
                child = _first_element(node)
            if child is not NULL:
                node = child
                continue
            # the ends of ``node`` and of the ancestors it closes
            while True:
                kind = _kind(node)
                if kind & BLOCK:
                    _append(&b, " ", 1)
                if kind & LINK:
                    i = nspans - 1
                    while i >= 0 and (spans[i].node is not node or spans[i].end >= 0):
                        i -= 1
                    if i >= 0:
                        spans[i].end = b.chars
                if node is top:
                    break
                _append_run(&b, node.next)
                child = _next_element(node)
                if child is not NULL:
                    node = child
                    break
                node = node.parent
            if node is top and child is NULL:
                break
        text = PyUnicode_DecodeUTF8(b.data, b.size, "replace") if b.size else ""
        doc = block._doc
        found = {}
        for i in range(nspans):
            found[_proxy(doc, spans[i].node)] = (spans[i].start, spans[i].end)
        return text, found
    finally:
        PyMem_Free(b.data)
        PyMem_Free(spans)


# -- DOM paths (links.DomPaths) ----------------------------------------------------------------
cdef bint _same_tag(xmlNode* a, xmlNode* b) noexcept:
    if strcmp(<const char*>a.name, <const char*>b.name) != 0:
        return False
    if a.ns is NULL or b.ns is NULL:
        return a.ns is b.ns
    return a.ns.href is not NULL and b.ns.href is not NULL and strcmp(
        <const char*>a.ns.href, <const char*>b.ns.href) == 0


cdef Py_ssize_t _nth_of_type(xmlNode* node) noexcept:
    """``node``'s 1-based position among its parent's element children with its tag; 0 when
    it is the only one."""
    cdef Py_ssize_t before = 0
    cdef xmlNode* other = node.prev
    while other is not NULL:
        if other.type == tree.XML_ELEMENT_NODE and _same_tag(other, node):
            before += 1
        other = other.prev
    if before:
        return before + 1
    other = node.next
    while other is not NULL:
        if other.type == tree.XML_ELEMENT_NODE and _same_tag(other, node):
            return 1
        other = other.next
    return 0


cdef bint _plain_name(xmlNode* node) noexcept:
    """A name lxml gives as is and ``str.lower`` leaves as ASCII lowers it."""
    cdef const unsigned char* c = <const unsigned char*>node.name
    if node.ns is not NULL:
        return False
    while c[0] != 0:
        if c[0] >= 0x80:
            return False
        c += 1
    return True


cdef str _step(xmlNode* node):
    cdef Py_ssize_t nth
    step = (<bytes>node.name).decode("ascii").lower()
    ident = attributeValueFromNsName(node, NULL, <const_xmlChar*>b"id")
    ident = ident.strip() if ident else ""
    if ident and " " not in ident:
        step += "#" + ident
    else:
        cls = attributeValueFromNsName(node, NULL, <const_xmlChar*>b"class")
        if cls:
            words = cls.split()
            if words:
                step += "." + words[0]
    if node.parent is not NULL and node.parent.type == tree.XML_ELEMENT_NODE:
        nth = _nth_of_type(node)
        if nth:
            step += f":nth-of-type({nth})"
    return step


def dom_path(_Element el, int max_steps):
    """:meth:`linkvet.facts.links.DomPaths.path` of ``el``, or ``None`` when a name on the
    way is not plain ASCII without a namespace (the Python rules then say it)."""
    cdef xmlNode* node = el._c_node
    cdef list steps = []
    while node is not NULL and node.type == tree.XML_ELEMENT_NODE and len(steps) < max_steps:
        if not _plain_name(node):
            return None
        steps.append(_step(node))
        node = node.parent
    if node is not NULL and node.type == tree.XML_ELEMENT_NODE:
        steps.append("...")
    steps.reverse()
    return ">".join(steps)


# -- hidden links (links.hidden_reason) ----------------------------------------------------------
def may_hide(_Element el):
    """Whether anything on the way from ``el`` up could hide it by the rules of
    :func:`linkvet.facts.links.hidden_reason`: a ``noscript`` or ``template`` element, or a
    ``style``, ``hidden`` or ``aria-hidden`` attribute. Where nothing could, it is not hidden."""
    cdef xmlNode* node = el._c_node
    cdef tree.xmlAttr* attr
    cdef const char* name
    while node is not NULL and node.type == tree.XML_ELEMENT_NODE:
        if node.ns is NULL and (strcmp(<const char*>node.name, b"noscript") == 0
                                or strcmp(<const char*>node.name, b"template") == 0):
            return True
        attr = node.properties
        while attr is not NULL:
            name = <const char*>attr.name
            if attr.ns is NULL and (strcmp(name, b"style") == 0 or strcmp(name, b"hidden") == 0
                                    or strcmp(name, b"aria-hidden") == 0):
                return True
            attr = attr.next
        node = node.parent
    return False


cdef inline bint _named(xmlNode* node, const char* name) noexcept nogil:
    """Whether ``node`` is an element an XPath name test ``name`` selects in an HTML
    document (that name, no namespace)."""
    return node.ns is NULL and strcmp(<const char*>node.name, name) == 0


cdef inline bint _hides_text(xmlNode* node) noexcept nogil:
    return (_named(node, b"script") or _named(node, b"style") or _named(node, b"noscript")
            or _named(node, b"template"))


cdef struct _Slot:
    uint64_t hash
    Py_ssize_t offset  # of the word's bytes in the arena
    Py_ssize_t length  # 0: an empty slot (a word has at least one byte)
    unsigned char digest[8]


cdef struct _Lanes:
    unsigned char* data  # 8 bytes a word, in order
    Py_ssize_t count
    Py_ssize_t size  # bytes allocated


cdef inline uint64_t _hash_bytes(const unsigned char* s, Py_ssize_t n) noexcept nogil:
    """A 64-bit hash of ``n`` bytes, eight at a time (a multiply-xorshift mix per chunk)."""
    cdef uint64_t h = 0x9E3779B97F4A7C15ULL ^ <uint64_t>n
    cdef uint64_t chunk
    while n > 0:
        chunk = 0
        memcpy(&chunk, s, 8 if n >= 8 else n)
        h = (h ^ chunk) * 0xFF51AFD7ED558CCDULL
        h ^= h >> 29
        s += 8
        n -= 8
    h *= 0xC4CEB9FE1A85EC53ULL
    return h ^ (h >> 32)


cdef int _push_lane(_Lanes* lanes, const unsigned char* digest) except -1:
    cdef unsigned char* grown
    if 8 * (lanes.count + 1) > lanes.size:
        grown = <unsigned char*>PyMem_Realloc(lanes.data, 2 * lanes.size)
        if grown is NULL:
            raise MemoryError()
        lanes.data = grown
        lanes.size *= 2
    memcpy(lanes.data + 8 * lanes.count, digest, 8)
    lanes.count += 1
    return 0


cdef class WordDigests:
    """A table from words (their UTF-8 bytes as written, any case) to 8-byte digests, for
    :func:`visible_lanes`. A word it does not hold is decoded once and given to ``digest``
    (a callable from str to 8 bytes), and the answer kept; at ``limit`` words the table is
    emptied and starts again (a crawl's pages are mostly the same common words)."""

    cdef object _digest
    cdef Py_ssize_t _limit
    cdef Py_ssize_t _count
    cdef Py_ssize_t _mask
    cdef _Slot* _slots
    cdef unsigned char* _arena
    cdef Py_ssize_t _arena_used
    cdef Py_ssize_t _arena_size

    def __cinit__(self, digest, Py_ssize_t limit=1 << 17):
        cdef Py_ssize_t size = 16
        if limit < 1:
            raise ValueError(f"limit must be at least 1, not {limit}")
        if not callable(digest):
            raise TypeError("digest must be a callable from str to 8 bytes")
        while size < 2 * limit:  # at most half full: probes stay short
            size <<= 1
        self._digest = digest
        self._limit = limit
        self._mask = size - 1
        self._slots = <_Slot*>PyMem_Malloc(size * sizeof(_Slot))
        self._arena_size = 4096
        self._arena = <unsigned char*>PyMem_Malloc(self._arena_size)
        if self._slots is NULL or self._arena is NULL:
            raise MemoryError()
        self.clear()

    def __dealloc__(self):
        PyMem_Free(self._slots)
        PyMem_Free(self._arena)

    def __len__(self):
        return self._count

    def clear(self):
        """Forget every word."""
        memset(self._slots, 0, (self._mask + 1) * sizeof(_Slot))
        self._count = 0
        self._arena_used = 0

    cdef inline _Slot* _find(self, const unsigned char* word, Py_ssize_t n,
                             uint64_t h) noexcept:
        """The slot holding the word, or the empty slot where it would go."""
        cdef Py_ssize_t i = <Py_ssize_t>(h & <uint64_t>self._mask)
        cdef _Slot* slot
        while True:
            slot = &self._slots[i]
            if slot.length == 0 or (slot.hash == h and slot.length == n
                                    and memcmp(self._arena + slot.offset, word, n) == 0):
                return slot
            i = (i + 1) & self._mask

    cdef int _add_lane(self, _Lanes* lanes, const unsigned char* word,
                       Py_ssize_t n) except -1:
        """Append the digest of the ``n``-byte word to ``lanes``, asking ``digest`` for a
        word the table does not hold yet."""
        cdef uint64_t h = _hash_bytes(word, n)
        cdef _Slot* slot = self._find(word, n, h)
        cdef unsigned char* grown
        cdef Py_ssize_t size
        if slot.length == 0:
            answer = self._digest(PyUnicode_DecodeUTF8(<const char*>word, n, NULL))
            if not PyBytes_Check(answer) or PyBytes_GET_SIZE(answer) != 8:
                raise TypeError(f"digest must return 8 bytes, not {answer!r}")
            if self._count >= self._limit:
                self.clear()
            # found again: the callable ran Python code, which may have used the table
            slot = self._find(word, n, h)
            if slot.length == 0:
                if self._arena_used + n > self._arena_size:
                    size = self._arena_size
                    while self._arena_used + n > size:
                        size <<= 1
                    grown = <unsigned char*>PyMem_Realloc(self._arena, size)
                    if grown is NULL:
                        raise MemoryError()
                    self._arena, self._arena_size = grown, size
                memcpy(self._arena + self._arena_used, word, n)
                slot.hash = h
                slot.offset = self._arena_used
                slot.length = n
                memcpy(slot.digest, PyBytes_AS_STRING(answer), 8)
                self._arena_used += n
                self._count += 1
        return _push_lane(lanes, slot.digest)


cdef int _add_words(list out, WordDigests table, _Lanes* lanes,
                    const unsigned char* s) except -1:
    """The whitespace-separated words of the UTF-8 string ``s`` (as ``str.split()`` cuts them:
    :func:`is_space`): appended to ``out`` as str, or, with a ``table``, their digests
    appended to its lanes (no str made for a word it knows)."""
    cdef const unsigned char* start = NULL
    cdef const unsigned char* p = s
    cdef unsigned int c
    cdef unsigned char b
    cdef int width
    while True:
        b = p[0]
        if b == 0:
            c = 0x20  # the end: a separator
            width = 0
        elif b < 0x80:
            c = b
            width = 1
        elif b < 0xE0:
            c = ((b & 0x1F) << 6) | (p[1] & 0x3F)
            width = 2
        elif b < 0xF0:
            c = ((b & 0x0F) << 12) | ((p[1] & 0x3F) << 6) | (p[2] & 0x3F)
            width = 3
        else:
            c = ((b & 0x07) << 18) | ((p[1] & 0x3F) << 12) | ((p[2] & 0x3F) << 6) | (p[3] & 0x3F)
            width = 4
        if _is_space(c):
            if start is not NULL:
                if table is None:
                    out.append(PyUnicode_DecodeUTF8(<const char*>start, p - start, NULL))
                else:
                    table._add_lane(lanes, start, p - start)
                start = NULL
            if b == 0:
                return 0
        elif start is NULL:
            start = p
        p += width


cdef int _visible_walk(xmlNode* top, list out, WordDigests table,
                       _Lanes* lanes) except -1:
    """Every visible body text node of the document ``top``, in document order, through
    :func:`_add_words` (the rules: :func:`visible_words`)."""
    cdef xmlNode* node
    cdef xmlNode* child
    cdef int bodies = 0
    cdef int hiding = 0
    node = top.children
    while node is not NULL:
        if node.type == tree.XML_ELEMENT_NODE:
            # entering the element: count it, then go down
            if _named(node, b"body"):
                bodies += 1
            if _hides_text(node):
                hiding += 1
            child = node.children
            if child is not NULL:
                node = child
                continue
        elif ((node.type == tree.XML_TEXT_NODE or node.type == tree.XML_CDATA_SECTION_NODE)
              and bodies and not hiding and node.content is not NULL):
            _add_words(out, table, lanes, <const unsigned char*>node.content)
        # leaving ``node`` (and every ancestor that has no next sibling)
        while True:
            if node.type == tree.XML_ELEMENT_NODE:
                if _named(node, b"body"):
                    bodies -= 1
                if _hides_text(node):
                    hiding -= 1
            if node.next is not NULL:
                node = node.next
                break
            node = node.parent
            if node is NULL or node is top:
                return 0
    return 0


def visible_words(_Element root):
    """The words of the visible body text of ``root``'s document: every text node inside a
    ``<body>`` and inside no ``script``, ``style``, ``noscript`` or ``template``, in document
    order, split on whitespace. The same list as
    ``" ".join(root.xpath("//body//text()[not(ancestor::script or ...)]")).split()``: the
    whole document is walked (on broken markup libxml2 can leave elements beside the root
    element, which ``//`` reaches), and a text node is read once however many bodies hold it."""
    cdef list out = []
    _visible_walk(<xmlNode*>root._c_node.doc, out, None, NULL)
    return out


def visible_lanes(_Element root, WordDigests table not None):
    """``(count, lanes)`` of the words :func:`visible_words` gives for ``root``'s document:
    how many, and their digests from ``table``, concatenated in order (the bytes
    ``b"".join(map(digest, words))``), without making a str of every word."""
    cdef _Lanes lanes
    lanes.count = 0
    lanes.size = 8 * 1024
    lanes.data = <unsigned char*>PyMem_Malloc(lanes.size)
    if lanes.data is NULL:
        raise MemoryError()
    try:
        _visible_walk(<xmlNode*>root._c_node.doc, None, table, &lanes)
        return lanes.count, PyBytes_FromStringAndSize(<const char*>lanes.data, 8 * lanes.count)
    finally:
        PyMem_Free(lanes.data)

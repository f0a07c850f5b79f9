#include "io/PickleScan.h"

#include "pare/Error.h"
#include "pare/MemoryBudget.h"

#include <algorithm>
#include <map>
#include <memory>

namespace pare::zip {
namespace {

struct Value;
using ValuePtr = std::shared_ptr<const Value>;

/// What the scan needs to know of a pickled value: strings, integers and globals by value, tuples by their items,
/// everything else (dicts, objects, floats, None) as Other.
struct Value
{
    enum class Kind
    {
        Other,
        String,
        Int,
        Global,
        Tuple
    } kind
        = Kind::Other;
    std::string text;
    int64_t number = 0;
    std::vector<ValuePtr> items;
    int depth = 0; ///< tuples nested inside: bounded, since releasing a deep nest recurses
};

constexpr int kMaxNesting = 256;

int64_t elementSize(const std::string& type)
{
    static const std::map<std::string, int64_t> sizes {
        { "FloatStorage", 4 },    { "DoubleStorage", 8 }, { "HalfStorage", 2 },         { "BFloat16Storage", 2 },
        { "LongStorage", 8 },     { "IntStorage", 4 },    { "ShortStorage", 2 },        { "CharStorage", 1 },
        { "ByteStorage", 1 },     { "BoolStorage", 1 },   { "ComplexFloatStorage", 8 }, { "ComplexDoubleStorage", 16 },
        { "QInt8Storage", 1 },    { "QUInt8Storage", 1 }, { "QInt32Storage", 4 },       { "QUInt4x2Storage", 1 },
        { "QUInt2x4Storage", 1 },
    };
    const auto found = sizes.find(type);
    return found == sizes.end() ? 0 : found->second;
}

class Scanner
{
public:
    Scanner(std::string_view pickle, const std::string& path)
        : m_in(pickle)
        , m_path(path)
    {
    }

    std::vector<StorageClaim> run()
    {
        while (true) {
            const auto op = static_cast<unsigned char>(take(1)[0]);
            switch (op) {
            case 0x80:
                take(1);
                break; // PROTO
            case 0x95:
                take(8);
                break; // FRAME
            case '.':
                return std::move(m_claims); // STOP
            case 'c':
                push(global());
                break; // GLOBAL
            case 'q':
                memoize(number(1));
                break; // BINPUT
            case 'r':
                memoize(number(4));
                break; // LONG_BINPUT
            case 0x94:
                memoize(m_memo.size());
                break; // MEMOIZE
            case 'h':
                push(recall(number(1)));
                break; // BINGET
            case 'j':
                push(recall(number(4)));
                break; // LONG_BINGET
            case '(':
                m_marks.push_back(m_stack.size());
                break; // MARK
            case 't':
                push(tuple(popToMark()));
                break; // TUPLE
            case ')':
                push(tuple({}));
                break; // EMPTY_TUPLE
            case 0x85:
                push(tuple(pop(1)));
                break; // TUPLE1
            case 0x86:
                push(tuple(pop(2)));
                break; // TUPLE2
            case 0x87:
                push(tuple(pop(3)));
                break; // TUPLE3
            case '}':
            case ']':
            case 'N':
            case 0x88:
            case 0x89:
                push(other());
                break; // {} [] None True False
            case 'u':
            case 'e':
                (void)popToMark();
                require(1);
                break; // SETITEMS, APPENDS
            case 's':
                (void)pop(2);
                require(1);
                break; // SETITEM
            case 'a':
                (void)pop(1);
                require(1);
                break; // APPEND
            case 'b':
                (void)pop(1);
                require(1);
                break; // BUILD
            case 'R':
            case 0x81:
                (void)pop(2);
                push(other());
                break; // REDUCE, NEWOBJ
            case 'K':
                push(integer(int64_t(number(1))));
                break; // BININT1
            case 'M':
                push(integer(int64_t(number(2))));
                break; // BININT2
            case 'J':
                push(integer(int64_t(int32_t(uint32_t(number(4))))));
                break; // BININT
            case 0x8a:
                push(long1());
                break; // LONG1
            case 'G':
                take(8);
                push(other());
                break; // BINFLOAT
            case 'X':
                push(string(std::string(take(number(4)))));
                break; // BINUNICODE
            case 0x8c:
                push(string(std::string(take(number(1)))));
                break; // SHORT_BINUNICODE
            case 0x8d:
                push(string(std::string(take(number(8)))));
                break; // BINUNICODE8
            case 'B':
                take(number(4));
                push(other());
                break; // BINBYTES
            case 'C':
                take(number(1));
                push(other());
                break; // SHORT_BINBYTES
            case 'Q':
                persistentId(pop(1).front());
                push(other());
                break; // BINPERSID
            default:
                fail("unsupported pickle opcode " + std::to_string(op));
            }
        }
    }

private:
    [[noreturn]] void fail(const std::string& problem) const
    {
        throw inputError(m_path, "corrupt TorchScript archive (" + problem + ")");
    }

    std::string_view take(uint64_t bytes)
    {
        if (bytes > m_in.size() - m_at)
            fail("a pickle ends early");
        const auto part = m_in.substr(m_at, bytes);
        m_at += bytes;
        return part;
    }
    uint64_t number(int bytes)
    {
        const auto raw = take(uint64_t(bytes));
        uint64_t value = 0;
        for (int i = bytes - 1; i >= 0; --i)
            value = value << 8 | static_cast<unsigned char>(raw[size_t(i)]);
        return value;
    }

    static ValuePtr other() { return std::make_shared<Value>(); }
    static ValuePtr integer(int64_t n)
    {
        auto v = std::make_shared<Value>();
        v->kind = Value::Kind::Int;
        v->number = n;
        return v;
    }
    static ValuePtr string(std::string text)
    {
        auto v = std::make_shared<Value>();
        v->kind = Value::Kind::String;
        v->text = std::move(text);
        return v;
    }
    ValuePtr tuple(std::vector<ValuePtr> items) const
    {
        auto v = std::make_shared<Value>();
        v->kind = Value::Kind::Tuple;
        for (const auto& item : items)
            v->depth = std::max(v->depth, item->depth + 1);
        if (v->depth > kMaxNesting)
            fail("a pickle nests tuples too deeply");
        v->items = std::move(items);
        return v;
    }
    ValuePtr global()
    {
        std::string parts[2];
        for (auto& part : parts) {
            const auto end = m_in.find('\n', m_at);
            if (end == std::string_view::npos)
                fail("a pickle ends early");
            part = std::string(m_in.substr(m_at, end - m_at));
            m_at = end + 1;
        }
        auto v = string(parts[0] + "." + parts[1]);
        std::const_pointer_cast<Value>(v)->kind = Value::Kind::Global;
        return v;
    }
    ValuePtr long1()
    {
        const auto length = number(1);
        if (length == 0 || length > 8) {
            take(length);
            return other();
        }
        uint64_t value = number(int(length));
        if (length < 8 && (value >> (8 * length - 1) & 1)) // sign-extend
            value |= ~uint64_t(0) << (8 * length);
        return integer(int64_t(value));
    }

    void push(ValuePtr value) { m_stack.push_back(std::move(value)); }
    void require(size_t count) const
    {
        if (m_stack.size() < count || (!m_marks.empty() && m_stack.size() - m_marks.back() < count))
            fail("a pickle pops an empty stack");
    }
    std::vector<ValuePtr> pop(size_t count)
    {
        require(count);
        std::vector<ValuePtr> items(m_stack.end() - std::ptrdiff_t(count), m_stack.end());
        m_stack.resize(m_stack.size() - count);
        return items;
    }
    std::vector<ValuePtr> popToMark()
    {
        if (m_marks.empty())
            fail("a pickle closes a mark it never opened");
        const size_t mark = m_marks.back();
        m_marks.pop_back();
        std::vector<ValuePtr> items(m_stack.begin() + std::ptrdiff_t(mark), m_stack.end());
        m_stack.resize(mark);
        return items;
    }
    void memoize(uint64_t index)
    {
        require(1);
        m_memo[index] = m_stack.back();
    }
    ValuePtr recall(uint64_t index) const
    {
        const auto found = m_memo.find(index);
        if (found == m_memo.end())
            fail("a pickle recalls a value it never stored");
        return found->second;
    }

    /// ('storage', torch.XStorage, key, location, count): the claim to check against the record `key`.
    void persistentId(const ValuePtr& id)
    {
        using Kind = Value::Kind;
        const auto& items = id->items;
        if (id->kind != Kind::Tuple || items.size() != 5 || items[0]->kind != Kind::String
            || items[0]->text != "storage")
            fail("a pickle holds a persistent id that is not a storage");
        if (items[1]->kind != Kind::Global || items[2]->kind != Kind::String || items[4]->kind != Kind::Int)
            fail("a storage's persistent id is malformed");
        const std::string prefix = "torch.";
        const std::string type = items[1]->text.rfind(prefix, 0) == 0 ? items[1]->text.substr(prefix.size()) : "";
        const int64_t size = elementSize(type);
        if (size == 0)
            fail("unknown storage type '" + items[1]->text + "'");
        const int64_t bytes = checkedProduct({ items[4]->number, size });
        if (bytes < 0)
            fail("storage '" + items[2]->text + "' claims a negative or impossible size");
        m_claims.push_back({ items[2]->text, type, bytes });
    }

    std::string_view m_in;
    const std::string& m_path;
    uint64_t m_at = 0;
    std::vector<ValuePtr> m_stack;
    std::vector<size_t> m_marks;
    std::map<uint64_t, ValuePtr> m_memo;
    std::vector<StorageClaim> m_claims;
};

} // namespace

std::vector<StorageClaim> storageClaims(std::string_view pickle, const std::string& path)
{
    return Scanner(pickle, path).run();
}

} // namespace pare::zip

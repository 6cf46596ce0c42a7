// chardev: a character device, as register_chrdev makes one. User space opens /dev/lkmemu_chardev
// and reads text the module produces:
//   "lkmemu_chardev: open #N, major M\n"
// where N counts the opens since load. After rmmod the entry is gone and open fails (ENOENT).
// The kernel holds a reference on the module (fops.owner) while the file is open.
#include <linux/fs.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#define CHARDEV_NAME "lkmemu_chardev"
#define MESSAGE_MAX 64

struct chardev_file {
    size_t length;
    char text[MESSAGE_MAX];
};

static int major;
static unsigned int opens;

static int chardev_open(struct inode* inode, struct file* file)
{
    struct chardev_file* state = kmalloc(sizeof(*state), GFP_KERNEL);
    int length;

    if (!state)
        return -ENOMEM;
    opens++;
    length = snprintf(state->text, sizeof(state->text), CHARDEV_NAME ": open #%u, major %d\n",
                      opens, major);
    state->length = min_t(size_t, length, sizeof(state->text) - 1);
    file->private_data = state;
    return 0;
}

static ssize_t chardev_read(struct file* file, char __user* buf, size_t count, loff_t* pos)
{
    const struct chardev_file* state = file->private_data;
    size_t available;

    if (*pos < 0)
        return -EINVAL;
    if ((size_t)*pos >= state->length)
        return 0; /* end of file */
    available = state->length - (size_t)*pos;
    if (count > available)
        count = available;
    if (copy_to_user(buf, state->text + *pos, count))
        return -EFAULT;
    *pos += count;
    return (ssize_t)count;
}

static int chardev_release(struct inode* inode, struct file* file)
{
    kfree(file->private_data);
    return 0;
}

static const struct file_operations chardev_fops = {
    .owner = THIS_MODULE,
    .read = chardev_read,
    .open = chardev_open,
    .release = chardev_release,
};

static int __init chardev_init(void)
{
    major = register_chrdev(0, CHARDEV_NAME, &chardev_fops);
    if (major < 0) {
        pr_err("chardev: register_chrdev failed: %d\n", major);
        return major;
    }
    pr_info("chardev: registered /dev/" CHARDEV_NAME " with major %d\n", major);
    return 0;
}

static void __exit chardev_exit(void)
{
    unregister_chrdev(major, CHARDEV_NAME);
    pr_info("chardev: unregistered /dev/" CHARDEV_NAME "\n");
}

module_init(chardev_init);
module_exit(chardev_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("A character device that user space reads");
